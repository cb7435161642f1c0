// The few pieces of the GitHub Actions runtime protocol the Action needs, written here instead of pulling in
// @actions/core: inputs from INPUT_* variables, workflow commands on stdout, the GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, and the issue-comment REST endpoints through Node's fetch.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';

export type Env = Record<string, string | undefined>;

/** A bad input or environment: reported as a tool error (exit 2), never as a policy result. */
export class ActionInputError extends Error {}

/** The value of an input as the runner passes it (INPUT_<NAME>, spaces as underscores, upper case), trimmed. */
export function getInput(env: Env, name: string): string {
  const upper = name.toUpperCase();
  const v = env[`INPUT_${upper.replace(/ /g, '_')}`] ?? env[`INPUT_${upper.replace(/[ -]/g, '_')}`] ?? '';
  return v.trim();
}

/** YAML 1.2 core-schema booleans, as the runner's own toolkit accepts them. */
export function getBooleanInput(env: Env, name: string, fallback: boolean): boolean {
  const v = getInput(env, name);
  if (v === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new ActionInputError(`input ${name}: expected true or false, got '${v}'`);
}

/** Several values: one per line or comma separated. */
export function getListInput(env: Env, name: string): string[] {
  return getInput(env, name)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationProps {
  file?: string;
  line?: number;
  endLine?: number;
  title?: string;
}

/** A workflow command line, e.g. `::warning file=a.py,line=3,endLine=9,title=x::message`. */
export function command(name: 'error' | 'warning' | 'notice', message: string, props: AnnotationProps = {}): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** Appends name=value pairs to the GITHUB_OUTPUT file in its multi-line form (delimiter never in the value). */
export function writeOutputs(env: Env, outputs: Record<string, string>): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  let text = '';
  for (const [k, v] of Object.entries(outputs)) {
    let delim = `ghadelimiter_${randomUUID()}`;
    while (v.includes(delim)) delim = `ghadelimiter_${randomUUID()}`;
    text += `${k}<<${delim}\n${v}\n${delim}\n`;
  }
  fs.appendFileSync(file, text);
}

/** GitHub refuses a step summary above 1 MiB. */
export const SUMMARY_LIMIT = 1024 * 1024;

/** Appends Markdown to the job summary, cut (at a line end, with a note) so the file stays within 1 MiB. */
export function appendSummary(env: Env, markdown: string): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  let existing = 0;
  try {
    existing = fs.statSync(file).size;
  } catch {
    existing = 0;
  }
  const room = SUMMARY_LIMIT - existing - 1024;
  let text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(text) > room) {
    const note = '\n_Summary cut to fit GitHub’s 1 MiB limit; see the report artifact._\n';
    let cut = Buffer.from(text).subarray(0, Math.max(0, room - Buffer.byteLength(note))).toString('utf8');
    cut = cut.slice(0, cut.lastIndexOf('\n') + 1);
    text = `${cut}${note}`;
  }
  fs.appendFileSync(file, text);
}

/** GitHub's limit on an issue or pull request comment body, in characters. */
export const COMMENT_LIMIT = 65_536;

export interface CommentTarget {
  apiUrl: string; // e.g. https://api.github.com
  owner: string;
  repo: string;
  issue: number;
  token: string;
}

export type CommentOutcome = { action: 'created' | 'updated'; id: number; url?: string } | { action: 'none' };

/** An HTTP failure of the comment API: reported as a warning (the audit itself completed). */
export class CommentError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function api(t: CommentTarget, method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${t.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'scratch-audit-action',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text.slice(0, 300);
    try {
      msg = String((JSON.parse(text) as { message?: string }).message ?? msg);
    } catch {
      /* not JSON */
    }
    throw new CommentError(`${method} ${new URL(url).pathname}: HTTP ${res.status} ${msg}`, res.status);
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * Creates the one comment of this tool on the pull request, or updates it in place: the comment is found by a
 * hidden marker in its body among the issue's comments (paged, 100 at a time, up to 3,000 comments). With
 * `create` false an existing comment is updated but none is created.
 */
export async function upsertComment(t: CommentTarget, marker: string, body: string, create = true): Promise<CommentOutcome> {
  const base = `${t.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;
  let existing: number | undefined;
  for (let page = 1; page <= 30 && existing === undefined; page++) {
    const list = (await api(t, 'GET', `${base}/issues/${t.issue}/comments?per_page=100&page=${page}`)) as { id: number; body?: string }[];
    if (!Array.isArray(list)) break;
    existing = list.find((c) => typeof c.body === 'string' && c.body.includes(marker))?.id;
    if (list.length < 100) break;
  }
  if (existing !== undefined) {
    const r = (await api(t, 'PATCH', `${base}/issues/comments/${existing}`, { body })) as { id: number; html_url?: string };
    return { action: 'updated', id: r?.id ?? existing, url: r?.html_url };
  }
  if (!create) return { action: 'none' };
  const r = (await api(t, 'POST', `${base}/issues/${t.issue}/comments`, { body })) as { id: number; html_url?: string };
  return { action: 'created', id: r.id, url: r.html_url };
}
