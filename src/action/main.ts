// The GitHub Action's entry (action.yml runs `node dist/action/main.js`). It maps inputs to the same audit the
// CLI runs and maps the result to GitHub: job summary, a few annotations, outputs, report files for an artifact
// step, and one pull-request comment updated in place. Exit codes: 0 pass (or warn-only), 1 policy failure,
// 2 tool error (the audit did not complete; never reported as a pass).
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAudit, type AuditOptions, type AuditRun } from '../audit';
import { defaultDetectors } from '../cli/detectors';
import type { AuditResult, Finding } from '../evidence';
import { historyDetector } from '../git/history';
import { runPrAudit } from '../git/pr-mode';
import { loadPolicy } from '../policy/load';
import { readSources } from '../report/sources';
import { render } from '../report/index';
import { upstreamText } from '../report/common';
import { packageRoot, toolVersion } from '../util/package-root';
import {
  ActionInputError,
  appendSummary,
  command,
  COMMENT_LIMIT,
  CommentError,
  getBooleanInput,
  getInput,
  getListInput,
  upsertComment,
  writeOutputs,
  type Env,
} from './github';

/** Hidden marker that identifies our pull-request comment. */
export const COMMENT_MARKER = '<!-- scratch-audit -->';

export interface ActionIo {
  stdout: (line: string) => void;
}

interface Inputs {
  path: string;
  policy: string;
  failUnder?: number;
  mode: 'full' | 'diff';
  baseRef?: string;
  comment: 'always' | 'on-failure' | 'never';
  annotations: number;
  sarif?: string;
  reportDir: string;
  warnOnly: boolean;
  signatures: string[];
  shippedSignatures: boolean;
  token?: string;
}

interface PullRequestEvent {
  number?: number;
  pull_request?: { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string } };
  merge_group?: { base_sha?: string };
}

function parseRatio(v: string): number | undefined {
  if (v === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(v);
  const x = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!(x >= 0 && x <= 1)) throw new ActionInputError(`input fail-under: expected a ratio such as 0.9 or 90%, got '${v}'`);
  return x;
}

function readInputs(env: Env, workspace: string): Inputs {
  const mode = getInput(env, 'mode') || 'diff';
  if (mode !== 'full' && mode !== 'diff') throw new ActionInputError(`input mode: expected full or diff, got '${mode}'`);
  const comment = getInput(env, 'comment') || 'on-failure';
  if (comment !== 'always' && comment !== 'on-failure' && comment !== 'never') throw new ActionInputError(`input comment: expected always, on-failure or never, got '${comment}'`);
  const ann = getInput(env, 'annotations') || '10';
  const annotations = Number(ann);
  if (!Number.isInteger(annotations) || annotations < 0 || annotations > 50) throw new ActionInputError(`input annotations: expected a whole number from 0 to 50, got '${ann}'`);
  const inWs = (p: string) => path.resolve(workspace, p);
  return {
    path: inWs(getInput(env, 'path') || '.'),
    policy: getInput(env, 'policy') || 'strict',
    failUnder: parseRatio(getInput(env, 'fail-under')),
    mode,
    baseRef: getInput(env, 'base-ref') || undefined,
    comment,
    annotations,
    sarif: getInput(env, 'sarif') ? inWs(getInput(env, 'sarif')) : undefined,
    reportDir: inWs(getInput(env, 'report-dir') || 'scratch-audit-report'),
    warnOnly: getBooleanInput(env, 'warn-only', false),
    signatures: getListInput(env, 'signatures').map(inWs),
    shippedSignatures: getBooleanInput(env, 'shipped-signatures', true),
    token: getInput(env, 'token') || env.GITHUB_TOKEN || undefined,
  };
}

function readEvent(env: Env): PullRequestEvent {
  const file = env.GITHUB_EVENT_PATH;
  if (!file || !fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PullRequestEvent;
  } catch (e) {
    throw new ActionInputError(`GITHUB_EVENT_PATH ${file}: not JSON (${(e as Error).message})`);
  }
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);


const counts = (f: Finding): boolean => !(f.details?.waived || f.details?.ownLineage || f.details?.excluded);

/** What to annotate: in diff mode the new findings of the change; in full mode the largest copied fragments. */
function annotationFindings(result: AuditResult): Finding[] {
  const byId = new Map(result.findings.map((f) => [f.id, f]));
  if (result.pr) {
    return [...result.pr.newBorrowed.findings, ...result.pr.newFindings].map((id) => byId.get(id)).filter((f): f is Finding => !!f && !!f.file && f.file !== '.');
  }
  return result.findings
    .filter((f) => f.kind === 'copied-code' && counts(f))
    .sort((a, b) => (b.tokens ?? 0) - (a.tokens ?? 0) || a.file.localeCompare(b.file) || (a.lines?.start ?? 0) - (b.lines?.start ?? 0));
}

function annotationText(f: Finding): string {
  const up = f.upstream ? `${upstreamText(f.upstream)}${f.upstream.licence ? ` (${f.upstream.licence})` : ''}` : 'an upstream project';
  if (f.kind === 'copied-code') return `${f.lines ? `lines ${f.lines.start}-${f.lines.end}` : 'the whole file'} match ${up}: ${f.tokens ?? 0} tokens, ${f.method}, ${f.strength}`;
  return `${f.message} (${f.method}, ${f.strength})`;
}

function prNumber(ev: PullRequestEvent): number | undefined {
  const n = ev.pull_request?.number ?? (ev.pull_request ? ev.number : undefined);
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Runs the Action with the given environment; returns the process exit code. */
export async function runAction(env: Env, io: ActionIo): Promise<number> {
  let workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd());
  try {
    workspace = fs.realpathSync(workspace); // the audit reports real paths; annotations must be relative to the same
  } catch {
    /* reported below when the path input is resolved */
  }
  const out = (s: string) => io.stdout(s);
  let stage = 'reading the inputs';
  try {
    const inputs = readInputs(env, workspace);
    const event = readEvent(env);
    if (!fs.existsSync(inputs.path) || !fs.statSync(inputs.path).isDirectory()) throw new ActionInputError(`input path: ${inputs.path} is not a directory`);
    for (const d of inputs.signatures) if (!fs.existsSync(d)) throw new ActionInputError(`input signatures: ${d} does not exist`);
    stage = 'loading the policy';
    const policy = loadPolicy(fs.existsSync(path.resolve(workspace, inputs.policy)) ? path.resolve(workspace, inputs.policy) : inputs.policy);
    const dirs = [...(inputs.shippedSignatures ? [path.join(packageRoot(), 'signatures')] : []), ...inputs.signatures].filter((d) => fs.existsSync(d));
    const detectors = defaultDetectors(dirs);
    if (!detectors.includes(historyDetector)) detectors.push(historyDetector);
    const auditOpts: AuditOptions = {
      root: inputs.path,
      signatureDirs: dirs,
      policy,
      failUnder: inputs.failUnder,
      commandLine: ['github-action', `mode=${inputs.mode}`],
      detectors,
    };

    // Diff mode needs a base: the base-ref input, else the pull request's (or merge queue's) base commit.
    const since = inputs.mode === 'diff' ? (inputs.baseRef ?? event.pull_request?.base?.sha ?? event.merge_group?.base_sha) : undefined;
    if (inputs.mode === 'diff' && !since) out(command('notice', 'scratch-audit: mode diff needs a pull_request event or the base-ref input; running a full audit'));
    stage = since ? `auditing ${path.relative(workspace, inputs.path) || '.'} against ${since}` : `auditing ${path.relative(workspace, inputs.path) || '.'}`;
    const run: AuditRun = since ? (await runPrAudit({ ...auditOpts, since })).head : await runAudit(auditOpts);
    const result = run.result;

    stage = 'writing the reports';
    fs.mkdirSync(inputs.reportDir, { recursive: true });
    const files = {
      json: path.join(inputs.reportDir, 'scratch-audit.json'),
      html: path.join(inputs.reportDir, 'scratch-audit.html'),
      markdown: path.join(inputs.reportDir, 'scratch-audit.md'),
      sarif: inputs.sarif ?? path.join(inputs.reportDir, 'scratch-audit.sarif'),
    };
    const markdown = render(result, 'markdown');
    fs.writeFileSync(files.json, render(result, 'json'));
    fs.writeFileSync(files.html, render(result, 'html', { sources: readSources(result) }));
    fs.writeFileSync(files.markdown, markdown);
    fs.mkdirSync(path.dirname(files.sarif), { recursive: true });
    fs.writeFileSync(files.sarif, render(result, 'sarif'));

    // The full text report in the log, with workflow commands switched off: file names and messages come from
    // the audited repository and must not be able to issue commands.
    const stop = `scratch-audit-${randomUUID()}`;
    out(`::stop-commands::${stop}`);
    for (const l of render(result, 'text').trimEnd().split('\n')) out(l);
    out(`::${stop}::`);

    stage = 'annotating';
    const toAnnotate = annotationFindings(result);
    let realRoot = result.repository.root;
    try {
      realRoot = fs.realpathSync(realRoot);
    } catch {
      /* keep as reported */
    }
    const shown = toAnnotate.slice(0, inputs.annotations);
    for (const f of shown) {
      const file = path.relative(workspace, path.join(realRoot, f.file)).split(path.sep).join('/');
      out(command('warning', annotationText(f), { file, line: f.lines?.start, endLine: f.lines?.end, title: f.kind === 'copied-code' ? 'scratch-audit: borrowed code' : `scratch-audit: ${f.kind}` }));
    }
    const hidden = toAnnotate.length - shown.length;
    const moreNote = hidden > 0 ? `${hidden} more ${result.pr ? 'new finding(s)' : 'borrowed fragment(s)'} in the summary and the report artifact` : '';
    if (moreNote) out(command('notice', `scratch-audit: ${moreNote}`));

    stage = 'writing the job summary';
    const reportNote = `\n<sub>Reports: ${Object.values(files).map((f) => `\`${path.relative(workspace, f).split(path.sep).join('/')}\``).join(', ')}${moreNote ? ` · ${moreNote}` : ''}.</sub>\n`;
    appendSummary(env, markdown + reportNote);

    const failed = run.exitCode !== 0;
    stage = 'commenting on the pull request';
    const pr = prNumber(event);
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (pr && owner && repo && inputs.comment !== 'never') {
      if (!inputs.token) out(command('warning', 'scratch-audit: no token (input token or GITHUB_TOKEN), so no pull-request comment'));
      else {
        const head = `${COMMENT_MARKER}\n`;
        const body = head + render(result, 'markdown', { maxChars: COMMENT_LIMIT - head.length });
        // on-failure: post only when the audit fails, but keep an existing comment up to date whatever the result.
        const target = { apiUrl: env.GITHUB_API_URL || 'https://api.github.com', owner, repo, issue: pr, token: inputs.token };
        try {
          const c = await upsertComment(target, COMMENT_MARKER, body, inputs.comment === 'always' || failed);
          if (c.action !== 'none') out(`scratch-audit: pull-request comment ${c.action}${c.url ? `: ${c.url}` : ''}`);
        } catch (e) {
          const status = e instanceof CommentError ? e.status : undefined;
          const hint = status === 403 || status === 404 ? ' (the token needs `pull-requests: write`; pull requests from forks get a read-only token: read the job summary instead)' : '';
          out(command('warning', `scratch-audit: could not write the pull-request comment: ${(e as Error).message}${hint}`));
        }
      }
    }

    stage = 'setting the outputs';
    writeOutputs(env, {
      ratio: result.ratio.ratio === null ? '' : result.ratio.ratio.toFixed(6),
      verdict: result.verdict,
      'report-dir': inputs.reportDir,
      'report-json': files.json,
      'report-html': files.html,
      'report-markdown': files.markdown,
      sarif: files.sarif,
      'ratio-before': result.pr ? (result.pr.ratioBefore === null ? '' : result.pr.ratioBefore.toFixed(6)) : '',
      'new-borrowed-tokens': result.pr ? String(result.pr.newBorrowed.tokens) : '',
      'new-findings': result.pr ? String(result.pr.newBorrowed.findings.length + result.pr.newFindings.length) : '',
    });

    const line = `scratch-audit ${toolVersion()}: verdict ${result.verdict}; code independence ratio ${pct(result.ratio.ratio)}${
      result.pr ? ` (before ${pct(result.pr.ratioBefore)}; ${result.pr.newBorrowed.findings.length} new borrowed fragment(s), ${result.pr.newBorrowed.tokens} tokens)` : ''
    }`;
    if (!failed) {
      out(line);
      return 0;
    }
    const reasons = result.gates.filter((g) => g.status === 'FAIL' || g.status === 'REVIEW').map((g) => `${g.gate} ${g.status}: ${g.reason}`).join('; ');
    if (inputs.warnOnly) {
      out(command('warning', `${line}. ${reasons} (warn-only: not failing the job)`));
      return 0;
    }
    out(command('error', `${line}. ${reasons}`));
    return 1;
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    const detail = e instanceof ActionInputError ? msg : `${msg}${(e as Error)?.stack ? `\n${(e as Error).stack}` : ''}`;
    out(command('error', `scratch-audit did not complete (${stage}): ${detail}`));
    try {
      appendSummary(env, `## ❗ scratch-audit did not complete\n\nWhile ${stage}: ${msg.replace(/[<>&]/g, ' ')}\n\nThis is a tool error (exit code 2), not an audit result.\n`);
      writeOutputs(env, { verdict: 'ERROR', ratio: '' });
    } catch {
      /* nothing more can be reported */
    }
    return 2;
  }
}

if (require.main === module) {
  runAction(process.env, { stdout: (s) => void process.stdout.write(`${s}\n`) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stdout.write(`::error::scratch-audit internal error: ${String((e as Error)?.message ?? e).replace(/\n/g, '%0A')}\n`);
      process.exitCode = 2;
    },
  );
}
