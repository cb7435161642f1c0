// PR mode (`audit --since <ref>`, the Action's diff mode): audit the tree as it is (head) and the tree at the merge
// base of <ref> and HEAD (base), and judge what the change adds. The head is the working tree as audited
// (`git diff <merge-base>` compares the merge base with the working tree; untracked files that are not ignored
// count as added), which equals HEAD in CI. The base is written into a temporary folder with `git archive`, so the
// user's checkout, index and worktree list are never touched.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { runAudit, type AuditOptions, type AuditRun } from '../audit';
import type { Finding, FindingKind, LineRange, PrChangedFile, PrSummary } from '../evidence';
import { extractTree, gitAt, gitMessage, GitModeError, looksLikeCheckout, tryGit } from './git';

export { GitModeError } from './git';

export interface PrFile extends PrChangedFile {
  /** Added (or changed) line ranges in the head version, 1-based inclusive; whole file for added/untracked files. */
  added: LineRange[];
  /** Binary or notebook: line ranges are not comparable with finding lines, any change counts as overlapping. */
  opaque?: boolean;
}

export interface PrDiff {
  base: string;
  mergeBase: string;
  head?: string;
  deepened: boolean;
  /** Audited root relative to the top level of the checkout ('' at the top), forward slashes, trailing slash. */
  prefix: string;
  /** Top level of the checkout. */
  top: string;
  files: PrFile[];
}

export interface PrOptions extends AuditOptions {
  /** The ref to compare with: a branch, tag or commit (e.g. origin/main, the pull request's base sha). */
  since: string;
  /** Try `git fetch --deepen` / `--unshallow` when the merge base is not in a shallow clone (default true). */
  deepen?: boolean;
  /** Skip auditing the base (no "before" ratio; every finding on added lines counts as new). Default false. */
  skipBase?: boolean;
}

export interface PrRun {
  head: AuditRun;
  base?: AuditRun;
  diff: PrDiff;
}

/** Kinds besides copied code that PR mode reports as new when their content id is new. */
export const PR_OTHER_KINDS: readonly FindingKind[] = ['imported-code', 'hub-reference', 'weights'];

const FETCH_DEPTH_HELP =
  'PR mode needs the history back to the merge base: in GitHub Actions check out with `fetch-depth: 0` ' +
  '(actions/checkout: `with: { fetch-depth: 0 }`), or run `git fetch --unshallow` before the audit';

async function resolveCommit(git: SimpleGit, ref: string): Promise<string | undefined> {
  const out = await tryGit(git, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  return out?.trim() || undefined;
}

async function isShallow(git: SimpleGit): Promise<boolean> {
  return (await tryGit(git, ['rev-parse', '--is-shallow-repository']))?.trim() === 'true';
}

async function mergeBaseOf(git: SimpleGit, a: string): Promise<string | undefined> {
  const out = await tryGit(git, ['merge-base', a, 'HEAD']);
  return out?.trim() || undefined;
}

/**
 * The merge base of `ref` and HEAD. In a shallow clone the history is deepened step by step (then unshallowed)
 * from the default remote; when that is not possible the error says that `fetch-depth: 0` is needed.
 */
export async function findMergeBase(git: SimpleGit, ref: string, deepen = true): Promise<{ mergeBase: string; deepened: boolean }> {
  if (ref.startsWith('-')) throw new GitModeError(`--since ${ref}: not a git ref`);
  let commit = await resolveCommit(git, ref);
  let mb = commit ? await mergeBaseOf(git, commit) : undefined;
  if (mb) return { mergeBase: mb, deepened: false };
  const shallow = await isShallow(git);
  if (!shallow) {
    if (!commit) throw new GitModeError(`--since ${ref}: no such commit, branch or tag in this repository`);
    throw new GitModeError(`--since ${ref}: ${ref} and HEAD have no common ancestor`);
  }
  const tried: string[] = [];
  if (deepen) {
    for (const args of [['fetch', '--no-tags', '--quiet', '--deepen=50'], ['fetch', '--no-tags', '--quiet', '--deepen=1000'], ['fetch', '--no-tags', '--quiet', '--unshallow']]) {
      try {
        await git.raw(args);
      } catch (e) {
        tried.push(`git ${args.join(' ')}: ${gitMessage(e)}`);
        break; // the remote is not reachable or refuses: deeper fetches will fail the same way
      }
      commit = commit ?? (await resolveCommit(git, ref));
      mb = commit ? await mergeBaseOf(git, commit) : undefined;
      if (mb) return { mergeBase: mb, deepened: true };
      if (!(await isShallow(git))) break;
    }
  }
  const what = commit ? `the merge base of ${ref} and HEAD is not in this shallow clone` : `${ref} is not in this shallow clone`;
  throw new GitModeError(`--since ${ref}: ${what}${tried.length ? ` (deepening failed: ${tried.join('; ')})` : deepen ? ' (deepening did not reach it)' : ''}. ${FETCH_DEPTH_HELP}`);
}

/** Undoes git's C-style quoting of unusual paths ("a\\tb", octal escapes for bytes). */
export function unquotePath(p: string): string {
  if (!p.startsWith('"') || !p.endsWith('"')) return p;
  const body = p.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = body[i + 1];
    if (/[0-7]/.test(n ?? '')) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[n] ?? n.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses `git diff -U0` output into the added line ranges of each head path. */
export function parseUnifiedZero(text: string): Map<string, LineRange[]> {
  const out = new Map<string, LineRange[]>();
  let current: LineRange[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = undefined;
    } else if (line.startsWith('+++ ')) {
      const p = line.slice(4).replace(/\t$/, '');
      if (p === '/dev/null') current = undefined;
      else {
        const name = unquotePath(p).replace(/^b\//, '');
        current = out.get(name) ?? [];
        out.set(name, current);
      }
    } else if (line.startsWith('@@ ') && current) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      if (count > 0) current.push({ start, end: start + count - 1 });
    }
  }
  return out;
}

const STATUS: Record<string, PrChangedFile['status']> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(text: string): { status: PrChangedFile['status']; path: string; from?: string }[] {
  const parts = text.split('\0');
  const out: { status: PrChangedFile['status']; path: string; from?: string }[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++];
    if (!code) continue;
    const letter = code[0];
    if (letter === 'R' || letter === 'C') {
      const from = parts[i++];
      const to = parts[i++];
      out.push({ status: STATUS[letter], path: to, from });
    } else {
      out.push({ status: STATUS[letter] ?? 'modified', path: parts[i++] });
    }
  }
  return out;
}

/** Lines of a text file added whole; 0 for binary files (a NUL byte in the first 8 KiB, as git decides) and huge ones. */
function lineCount(abs: string): number {
  try {
    const st = fs.statSync(abs);
    if (!st.isFile() || st.size > 64 * 1024 * 1024) return 0;
    const b = fs.readFileSync(abs);
    if (b.subarray(0, 8000).includes(0)) return 0;
    let n = 0;
    for (const x of b) if (x === 10) n++;
    return b.length && b[b.length - 1] !== 10 ? n + 1 : n;
  } catch {
    return 0;
  }
}

const isOpaque = (p: string): boolean => p.endsWith('.ipynb');

/**
 * Changed files and added lines between the merge base and the working tree of the audited root, with paths
 * relative to that root (`--relative`), so they line up with the audit's file paths.
 */
export async function changedFiles(git: SimpleGit, root: string, mergeBase: string): Promise<PrFile[]> {
  const common = ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', '--relative'];
  const names = parseNameStatus(await git.raw([...common, '--name-status', '-z', mergeBase, '--']));
  const hunks = parseUnifiedZero(await git.raw([...common, '-U0', '--src-prefix=a/', '--dst-prefix=b/', mergeBase, '--']));
  const untracked = (await git.raw(['ls-files', '--others', '--exclude-standard', '-z', '--', '.'])).split('\0').filter(Boolean);
  const files: PrFile[] = [];
  for (const n of names) {
    let added = hunks.get(n.path) ?? [];
    const whole = n.status === 'added' || (n.status === 'copied' && added.length === 0);
    if (whole && added.length === 0) {
      const lines = lineCount(path.join(root, n.path));
      added = lines > 0 ? [{ start: 1, end: lines }] : [];
    }
    if (n.status === 'deleted') added = [];
    const opaque = isOpaque(n.path) || (!hunks.has(n.path) && n.status !== 'deleted' && n.status !== 'renamed');
    files.push({ path: n.path, status: n.status, from: n.from, added, addedLines: added.reduce((s, r) => s + r.end - r.start + 1, 0), ...(opaque && n.status !== 'deleted' ? { opaque: true } : {}) });
  }
  for (const u of untracked) {
    const lines = lineCount(path.join(root, u));
    const added = lines > 0 ? [{ start: 1, end: lines }] : [];
    files.push({ path: u, status: 'untracked', added, addedLines: lines, ...(isOpaque(u) ? { opaque: true } : {}) });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The diff between the merge base of `since` and HEAD, and the audited tree at `root`. */
export async function prDiff(root: string, since: string, deepen = true): Promise<PrDiff> {
  if (!looksLikeCheckout(root)) throw new GitModeError(`--since ${since}: ${root} is not inside a git checkout`);
  const git = gitAt(root);
  if ((await tryGit(git, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') {
    throw new GitModeError(`--since ${since}: ${root} is not inside a git work tree`);
  }
  const { mergeBase, deepened } = await findMergeBase(git, since, deepen);
  const head = (await tryGit(git, ['rev-parse', 'HEAD']))?.trim() || undefined;
  const prefix = ((await tryGit(git, ['rev-parse', '--show-prefix'])) ?? '').trim();
  const top = ((await tryGit(git, ['rev-parse', '--show-toplevel'])) ?? '').trim() || root;
  const files = await changedFiles(git, root, mergeBase);
  return { base: since, mergeBase, head, deepened, prefix, top, files };
}

function overlaps(ranges: LineRange[], r: LineRange): boolean {
  return ranges.some((a) => a.start <= r.end && r.start <= a.end);
}

const flagged = (f: Finding): boolean => !!(f.details?.waived || f.details?.ownLineage || f.details?.excluded);

/**
 * Upstream lines a head fragment needs beyond what base fragments of the same upstream file already cover before
 * it counts as new. A moved block can be re-cut at its edges (an `import` line before it now matches upstream
 * too, so the fragment and its content id grow by a line or two); that is not new borrowed code.
 */
export const NEW_UPSTREAM_LINES = 5;

function uncoveredUpstreamLines(f: Finding, baseCopies: Finding[]): number | undefined {
  const u = f.upstream;
  if (!u?.lines || !u.pack || !u.path) return undefined;
  const ranges = baseCopies.filter((b) => b.upstream?.pack === u.pack && b.upstream?.path === u.path && b.upstream?.lines).map((b) => b.upstream!.lines!);
  let n = 0;
  for (let l = u.lines.start; l <= u.lines.end; l++) if (!ranges.some((r) => r.start <= l && l <= r.end)) n++;
  return n;
}

/** The PR summary from the two audits and the diff: new borrowed code, new other findings, ratios. */
export function summarize(head: AuditRun, base: AuditRun | undefined, diff: PrDiff): PrSummary {
  const baseIds = new Set((base?.result.findings ?? []).map((f) => f.id));
  const byPath = new Map(diff.files.map((f) => [f.path, f]));
  const baseCopies = (base?.result.findings ?? []).filter((f) => f.kind === 'copied-code');
  const newCopies = head.result.findings.filter((f) => {
    if (f.kind !== 'copied-code' || baseIds.has(f.id) || flagged(f)) return false;
    const changed = byPath.get(f.file);
    if (!changed || changed.status === 'deleted') return false;
    if (!changed.opaque && !overlaps(changed.added, f.lines ?? { start: 1, end: Number.MAX_SAFE_INTEGER })) return false;
    const uncovered = uncoveredUpstreamLines(f, baseCopies);
    return uncovered === undefined || uncovered >= NEW_UPSTREAM_LINES;
  });
  const newOthers = head.result.findings.filter((f) => PR_OTHER_KINDS.includes(f.kind) && f.strength !== 'info' && !baseIds.has(f.id) && !flagged(f));
  const headIds = new Set(head.result.findings.map((f) => f.id));
  const headCopies = head.result.findings.filter((f) => f.kind === 'copied-code');
  const removed = (base?.result.findings ?? []).filter((f) => {
    if (headIds.has(f.id)) return false;
    if (PR_OTHER_KINDS.includes(f.kind)) return true;
    if (f.kind !== 'copied-code') return false;
    const uncovered = uncoveredUpstreamLines(f, headCopies);
    return uncovered === undefined || uncovered >= NEW_UPSTREAM_LINES;
  });
  return {
    base: diff.base,
    mergeBase: diff.mergeBase,
    head: diff.head,
    comparedWith: 'working-tree',
    ...(diff.deepened ? { deepened: true } : {}),
    ratioBefore: base ? base.result.ratio.ratio : null,
    ratioAfter: head.result.ratio.ratio,
    verdictBefore: base?.result.verdict,
    changedFiles: diff.files.map(({ path: p, status, from, addedLines }) => ({ path: p, status, ...(from ? { from } : {}), addedLines })),
    addedLines: diff.files.reduce((s, f) => s + f.addedLines, 0),
    newBorrowed: {
      findings: [...new Set(newCopies.map((f) => f.id))],
      tokens: newCopies.reduce((s, f) => s + (f.tokens ?? 0), 0),
      lines: newCopies.reduce((s, f) => s + (f.lines ? f.lines.end - f.lines.start + 1 : 0), 0),
      files: [...new Set(newCopies.map((f) => f.file))].sort(),
    },
    newFindings: [...new Set(newOthers.map((f) => f.id))],
    removedFindings: [...new Set(removed.map((f) => f.id))],
  };
}

/**
 * Audits the head (the tree at opts.root) and the base (the merge base of opts.since and HEAD, written to a
 * temporary folder) with the same options and signature index, and puts the PR summary into head.result.pr.
 * The verdict and exit code are the head's: PR mode adds the before/after figures and the new findings, it
 * does not change the policy.
 */
export async function runPrAudit(opts: PrOptions): Promise<PrRun> {
  const root = fs.realpathSync(path.resolve(opts.root));
  const diff = await prDiff(root, opts.since, opts.deepen ?? true);
  const { since: _since, deepen: _deepen, skipBase, ...auditOpts } = opts;
  const head = await runAudit({ ...auditOpts, root });
  let base: AuditRun | undefined;
  if (!skipBase) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scratch-audit-base-'));
    try {
      const git = gitAt(root);
      const treeish = diff.prefix ? `${diff.mergeBase}:${diff.prefix.replace(/\/$/, '')}` : diff.mergeBase;
      // (`<commit>:<path>^{tree}` would read "^{tree}" as part of the path: ask for the object's type instead.)
      const type = (await tryGit(git, ['cat-file', '-t', treeish]))?.trim();
      // git archive runs at the top level: in a subfolder it would only take that folder, relative to the tree-ish.
      if (type === 'tree' || type === 'commit') await extractTree(diff.top, treeish, tmp);
      base = await runAudit({
        ...auditOpts,
        root: tmp,
        index: head.index,
        keepAnalyses: false,
        onProgress: opts.onProgress ? (phase, done, total) => opts.onProgress!(`base ${phase}`, done, total) : undefined,
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  head.result.pr = summarize(head, base, diff);
  return { head, base, diff };
}
