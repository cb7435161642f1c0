// Git history evidence: fork detection from the root commits recorded in packs, the commit that introduced each
// copied fragment (git blame of its first line, capped), and commits that added a lot of borrowed code at once.
// Silent and cheap when the audited folder is not in a git checkout: no process is started then.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { Detector, DetectorContext, DetectorOutput } from '../audit';
import { contentId } from '../code/file-hashes';
import type { Finding, UpstreamRef } from '../evidence';
import { gitAt, gitMessage, looksLikeCheckout, tryGit } from './git';

export interface HistoryOptions {
  /** At most this many `git blame` calls per audit, largest fragments first (default 50). */
  maxBlame?: number;
  /** A commit that introduced at least this many borrowed tokens is called out as a bulk import (default 1000). */
  bulkTokens?: number;
}

export const DEFAULT_MAX_BLAME = 50;
export const DEFAULT_BULK_TOKENS = 1000;

/** Where a fragment came from in the audited repository's own history; set on copied-code findings' details. */
export interface IntroducedBy {
  commit: string;
  /** Author date, ISO 8601 UTC. */
  date?: string;
  author?: string;
  summary?: string;
  /** How it was found: blame of the fragment's first line, or the commit that added the file (notebooks). */
  how: 'blame-first-line' | 'file-added';
}

const ZERO = /^0{40}$/;

/** Parses the header of `git blame --porcelain` output for its first line. */
export function parseBlamePorcelain(text: string): IntroducedBy | undefined {
  const lines = text.split('\n');
  const m = /^([0-9a-f]{40}) \d+ \d+/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const out: IntroducedBy = { commit: m[1], how: 'blame-first-line' };
  for (const l of lines.slice(1)) {
    if (l.startsWith('\t')) break;
    const sp = l.indexOf(' ');
    const key = sp < 0 ? l : l.slice(0, sp);
    const val = sp < 0 ? '' : l.slice(sp + 1);
    if (key === 'author') out.author = val;
    else if (key === 'author-time' && /^\d+$/.test(val)) out.date = new Date(Number(val) * 1000).toISOString();
    else if (key === 'summary') out.summary = val;
  }
  return out;
}

function upstreamOfPack(m: { project: string; version: string; commit?: string; remote?: string; licence?: string; category: UpstreamRef['category'] }): UpstreamRef {
  return { project: m.project, version: m.version, commit: m.commit, remote: m.remote, licence: m.licence, category: m.category, pack: `${m.project}@${m.version}` };
}

/** One finding per upstream project whose recorded root commit is a root of HEAD's history. */
async function forks(git: SimpleGit, ctx: DetectorContext, warnings: string[]): Promise<Finding[]> {
  const withRoots = ctx.index.packs.map((p) => p.manifest).filter((m) => m.rootCommits?.length);
  if (withRoots.length === 0) return [];
  const rootsOut = await tryGit(git, ['rev-list', '--max-parents=0', 'HEAD']);
  if (rootsOut === undefined) return [];
  const roots = new Set(rootsOut.split('\n').map((s) => s.trim()).filter(Boolean));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const m of withRoots) {
    const shared = m.rootCommits!.find((r) => roots.has(r));
    if (!shared || seen.has(m.project)) continue;
    seen.add(m.project);
    const details: Record<string, unknown> = { rootCommit: shared };
    // When the pack's own commit is in our history too, count what is upstream's and what came after.
    if (m.commit && /^[0-9a-f]{40}$/.test(m.commit) && (await tryGit(git, ['merge-base', '--is-ancestor', m.commit, 'HEAD'])) !== undefined) {
      const up = Number((await tryGit(git, ['rev-list', '--count', m.commit]))?.trim());
      const own = Number((await tryGit(git, ['rev-list', '--count', 'HEAD', `^${m.commit}`]))?.trim());
      if (Number.isFinite(up)) details.upstreamCommits = up;
      if (Number.isFinite(own)) details.commitsAfterUpstream = own;
    }
    findings.push({
      id: contentId('hist', 'fork', m.project, shared),
      kind: 'history',
      category: m.category,
      file: '.',
      upstream: upstreamOfPack(m),
      method: 'git-history',
      confidence: 1,
      strength: 'strong',
      message: `the history contains ${m.project}'s root commit ${shared.slice(0, 12)}: this repository is a fork of ${m.project} (or merged its history)`,
      details,
    });
  }
  if (findings.length === 0 && (await tryGit(git, ['rev-parse', '--is-shallow-repository']))?.trim() === 'true') {
    warnings.push('git history: shallow clone, so fork detection (upstream root commits) could not look at the whole history');
  }
  return findings;
}

/** The boundary commits of a shallow clone: blame stops there and would wrongly credit them with everything. */
async function shallowCommits(git: SimpleGit, root: string): Promise<Set<string>> {
  if ((await tryGit(git, ['rev-parse', '--is-shallow-repository']))?.trim() !== 'true') return new Set();
  const file = (await tryGit(git, ['rev-parse', '--git-path', 'shallow']))?.trim();
  try {
    return new Set(fs.readFileSync(path.resolve(root, file ?? ''), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean));
  } catch {
    return new Set();
  }
}

async function introducedBy(git: SimpleGit, f: Finding): Promise<IntroducedBy | 'uncommitted' | undefined> {
  if (f.file.endsWith('.ipynb') || !f.lines) {
    const out = await tryGit(git, ['log', '--diff-filter=A', '--follow', '--format=%H%x00%at%x00%an%x00%s', '-1', '--', f.file]);
    const [commit, at, author, summary] = (out ?? '').trim().split('\0');
    if (!commit || !/^[0-9a-f]{40}$/.test(commit)) return undefined;
    return { commit, date: /^\d+$/.test(at) ? new Date(Number(at) * 1000).toISOString() : undefined, author, summary, how: 'file-added' };
  }
  const a = f.lines.start;
  const out = await tryGit(git, ['blame', '--porcelain', '-w', '-M', '-C', '-L', `${a},${a}`, '--', f.file]);
  const b = out ? parseBlamePorcelain(out) : undefined;
  if (!b) return undefined;
  return ZERO.test(b.commit) ? 'uncommitted' : b;
}

/**
 * Fork detection, introducing commits and bulk imports. Introducing commits are written into the copied-code
 * findings' `details.introducedBy` (the findings of the context are the audit's own objects); fork and bulk
 * imports are new findings of kind 'history'.
 */
export function makeHistoryDetector(opts: HistoryOptions = {}): Detector {
  const maxBlame = opts.maxBlame ?? DEFAULT_MAX_BLAME;
  const bulkTokens = opts.bulkTokens ?? DEFAULT_BULK_TOKENS;
  return async (ctx: DetectorContext): Promise<DetectorOutput> => {
    if (!looksLikeCheckout(ctx.root)) return { findings: [] };
    const warnings: string[] = [];
    const git = gitAt(ctx.root);
    try {
      if ((await tryGit(git, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') return { findings: [] };
      if ((await tryGit(git, ['rev-parse', '--verify', '--quiet', 'HEAD'])) === undefined) return { findings: [] }; // no commit yet
      const top = (await tryGit(git, ['rev-parse', '--show-toplevel']))?.trim();
      const findings: Finding[] = [];
      // The history is the audited project's only when the audited folder is the checkout's top level.
      if (top && path.resolve(top) === path.resolve(ctx.root)) findings.push(...(await forks(git, ctx, warnings)));

      const copies = ctx.findings
        .filter((f) => f.kind === 'copied-code')
        .sort((a, b) => (b.tokens ?? 0) - (a.tokens ?? 0) || a.file.localeCompare(b.file) || (a.lines?.start ?? 0) - (b.lines?.start ?? 0));
      const byCommit = new Map<string, { intro: IntroducedBy; findings: Finding[] }>();
      const shallow = copies.length ? await shallowCommits(git, ctx.root) : new Set<string>();
      let cutOff = 0;
      let blamed = 0;
      for (const f of copies) {
        if (blamed >= maxBlame) break;
        blamed++;
        const intro = await introducedBy(git, f);
        if (!intro) continue;
        if (intro === 'uncommitted') {
          f.details = { ...f.details, introducedBy: { uncommitted: true } };
          continue;
        }
        if (shallow.has(intro.commit)) {
          cutOff++; // the history is cut there: the line is older than the clone, not introduced by that commit
          continue;
        }
        f.details = { ...f.details, introducedBy: { ...intro } };
        const g = byCommit.get(intro.commit) ?? { intro, findings: [] };
        g.findings.push(f);
        byCommit.set(intro.commit, g);
      }
      if (cutOff) warnings.push(`git history: shallow clone, so the introducing commit of ${cutOff} copied fragment(s) is not known (fetch the full history to see it)`);
      if (copies.length > maxBlame) warnings.push(`git history: introducing commits looked up for the ${maxBlame} largest of ${copies.length} copied fragments`);

      for (const [commit, g] of byCommit) {
        const tokens = g.findings.reduce((s, f) => s + (f.tokens ?? 0), 0);
        if (tokens < bulkTokens) continue;
        const perProject = new Map<string, { ref: UpstreamRef; tokens: number }>();
        for (const f of g.findings) {
          if (!f.upstream) continue;
          const key = `${f.upstream.project}@${f.upstream.version}`;
          const e = perProject.get(key) ?? { ref: f.upstream, tokens: 0 };
          e.tokens += f.tokens ?? 0;
          perProject.set(key, e);
        }
        const projects = [...perProject.entries()].sort((a, b) => b[1].tokens - a[1].tokens);
        const top = projects[0]?.[1].ref;
        const files = [...new Set(g.findings.map((f) => f.file))];
        const when = g.intro.date ? g.intro.date.slice(0, 10) : 'unknown date';
        findings.push({
          id: contentId('hist', 'bulk', commit),
          kind: 'history',
          category: top?.category ?? 'unknown',
          file: files[0],
          upstream: top
            ? { project: top.project, version: top.version, commit: top.commit, remote: top.remote, licence: top.licence, category: top.category, pack: top.pack }
            : undefined,
          method: 'git-history',
          confidence: g.intro.how === 'blame-first-line' ? 0.9 : 1,
          strength: 'moderate',
          message:
            `commit ${commit.slice(0, 12)} (${when}${g.intro.summary ? `, "${g.intro.summary.slice(0, 120)}"` : ''}) added ${tokens} borrowed tokens ` +
            `in ${files.length} file(s) at once (${projects.map(([k]) => k).join(', ') || 'unknown upstream'}): a bulk import`,
          details: {
            commit,
            date: g.intro.date,
            author: g.intro.author,
            summary: g.intro.summary,
            borrowedTokens: tokens,
            files,
            findings: g.findings.map((f) => f.id),
          },
        });
      }
      return { findings, warnings };
    } catch (e) {
      return { findings: [], warnings: [`git history: ${gitMessage(e)}`] };
    }
  };
}

/** The history detector with default limits (50 blame calls, bulk imports from 1000 borrowed tokens). */
export const historyDetector: Detector = makeHistoryDetector();
