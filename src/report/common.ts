// Helpers shared by the report formats. Pure functions over the AuditResult; no I/O.
import { createHash } from 'node:crypto';
import type { AuditResult, Finding, FindingKind, GateStatus, LineRange, UpstreamRef } from '../evidence';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted, so that hashes of equal content are equal whatever the insertion order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

/** RFC 4122-shaped (version 5-like) UUID taken from a hex digest, for deterministic serial numbers. */
export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, '0');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)} %`;
}

/** Share a/b as 0..1, 0 when b is 0. */
export function share(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

export function intText(n: number | undefined): string {
  return n === undefined ? '' : Math.round(n).toLocaleString('en-US');
}

export function rangeText(l?: LineRange): string {
  if (!l) return '';
  return l.start === l.end ? `${l.start}` : `${l.start}-${l.end}`;
}

/** "file.py:10-20" or "file.py" when there are no lines. */
export function locationText(file: string, lines?: LineRange): string {
  return lines ? `${file}:${rangeText(lines)}` : file;
}

/** "project@version" */
export function projectId(u: Pick<UpstreamRef, 'project' | 'version'>): string {
  return u.version ? `${u.project}@${u.version}` : u.project;
}

/** "project@version:path:10-20", what a reviewer needs to find the upstream lines. */
export function upstreamText(u: UpstreamRef): string {
  let s = projectId(u);
  if (u.path) s += `:${u.path}`;
  if (u.lines) s += `:${rangeText(u.lines)}`;
  if (!u.path && u.module) s += ` (${u.module}${u.symbol ? `.${u.symbol}` : ''})`;
  return s;
}

/** Owner/name and host of a git remote given as https URL, ssh URL or scp-like "git@host:o/r.git". */
export function parseRemote(remote: string | undefined): { host: string; owner: string; repo: string } | undefined {
  if (!remote) return undefined;
  const m =
    /^(?:https?:\/\/|ssh:\/\/|git:\/\/)?(?:[^@/\s]+@)?([A-Za-z0-9.-]+)(?::\d+)?[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
      remote.trim(),
    );
  if (!m) return undefined;
  return { host: m[1].toLowerCase(), owner: m[2], repo: m[3] };
}

/** A remote for display, without any user:token@ part (CI checkouts often carry a token in the remote URL). */
export function redactRemote(remote: string | undefined): string | undefined {
  return remote?.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1');
}

/** https URL of a remote we recognise, else undefined (never echoes arbitrary schemes such as javascript:). */
export function remoteHttpsUrl(remote: string | undefined): string | undefined {
  const r = parseRemote(remote);
  return r ? `https://${r.host}/${r.owner}/${r.repo}` : undefined;
}

function encodePath(p: string): string {
  return p
    .replace(/^\/+/, '')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** "https://host/o/r/blob/<commit>/" (GitLab: "/-/blob/"), when remote and commit are known; files resolve against it. */
export function upstreamBlobBase(u: UpstreamRef | undefined): string | undefined {
  if (!u || !u.commit) return undefined;
  const r = parseRemote(u.remote);
  if (!r || !/^[0-9a-fA-F]{7,64}$/.test(u.commit)) return undefined;
  const base = `https://${r.host}/${r.owner}/${r.repo}`;
  return r.host.includes('gitlab') ? `${base}/-/blob/${u.commit}/` : `${base}/blob/${u.commit}/`;
}

/** The upstream path, each segment URL-encoded, relative to upstreamBlobBase(). */
export function upstreamRelativeUri(u: UpstreamRef): string | undefined {
  return u.path ? encodePath(u.path) : undefined;
}

/**
 * Link to the upstream file at its commit, with the line anchor, when remote, commit and path are known.
 * GitHub and GitLab anchors differ; other hosts get the GitHub form, which Gitea/Codeberg also use.
 */
export function upstreamUrl(u: UpstreamRef | undefined): string | undefined {
  const base = upstreamBlobBase(u);
  if (!u || !base || !u.path) return undefined;
  const l = u.lines;
  const anchor = !l ? '' : base.includes('/-/blob/') ? `#L${l.start}-${l.end}` : l.start === l.end ? `#L${l.start}` : `#L${l.start}-L${l.end}`;
  return `${base}${encodePath(u.path)}${anchor}`;
}

/** Package URL for an upstream, when we can name one honestly. */
export function upstreamPurl(u: UpstreamRef): string | undefined {
  const r = parseRemote(u.remote);
  const ver = u.commit ?? u.version;
  if (r && r.host === 'github.com') {
    return `pkg:github/${encodeURIComponent(r.owner.toLowerCase())}/${encodeURIComponent(r.repo.toLowerCase())}${ver ? `@${encodeURIComponent(ver)}` : ''}`;
  }
  if (r && r.host === 'huggingface.co') {
    return `pkg:huggingface/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.repo)}${ver ? `@${encodeURIComponent(ver)}` : ''}`;
  }
  return undefined;
}

export function findingsOf(result: AuditResult, ...kinds: FindingKind[]): Finding[] {
  return result.findings.filter((f) => kinds.includes(f.kind));
}

/** Copied-code findings, largest first, then by file and line, so every format lists them in the same order. */
export function fragments(result: AuditResult): Finding[] {
  return findingsOf(result, 'copied-code').sort(byMassThenLocation);
}

export function byMassThenLocation(a: Finding, b: Finding): number {
  return (
    (b.tokens ?? 0) - (a.tokens ?? 0) ||
    a.file.localeCompare(b.file) ||
    (a.lines?.start ?? 0) - (b.lines?.start ?? 0) ||
    a.id.localeCompare(b.id)
  );
}

/** Short name of the audited repository: owner/name of its remote, else the last folder of its root. */
export function repositoryName(result: AuditResult): string {
  const r = parseRemote(result.repository.remote);
  if (r) return `${r.owner}/${r.repo}`;
  const parts = result.repository.root.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'repository';
}

export const GATE_ORDER: Record<GateStatus, number> = { FAIL: 0, REVIEW: 1, 'NOT-CHECKED': 2, PASS: 3 };

/** The ratio's definition, in the words every human-facing report uses. */
export const RATIO_DEFINITION =
  'Code independence ratio = own / (own + borrowed), in significant code tokens (comments, docstrings and ' +
  'formatting excluded). Borrowed = copied code + imported upstream model code, each weighted by its category in the ' +
  'policy. Files excluded by the policy’s path rules do not count.';

/** Display the command line so it can be pasted back into a shell. */
export function shellJoin(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** ISO timestamp as "YYYY-MM-DD hh:mm:ss UTC"; the raw string if it does not parse. */
export function utcText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
