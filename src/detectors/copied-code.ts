import type { CodeAnalysis } from '../code/analyze';
import { contentId } from '../code/file-hashes';
import { isMassKind, isValueKind } from '../code/token-kinds';
import type { Finding, LineRange, UpstreamRef } from '../evidence';
import { lookup, type IndexedFile, type SignatureIndex } from '../signatures/index';

export interface MatchOptions {
  k: number;
  w: number;
  /** Smallest code mass a reported fragment may have. */
  minTokens: number;
  /** Whole-file hash matches count only for files at least this large (empty __init__.py files match everything). */
  minWholeFileTokens: number;
  /** Largest distance in tokens between two consecutive hits of one fragment (lets a fragment bridge an edited line). */
  maxGap: number;
  /** Largest drift of the diagonal (insertions or deletions) inside one fragment. */
  maxSkew: number;
  /** A fingerprint found in more places than this is treated as common, whatever the document frequency says. */
  maxOccurrences: number;
}

export function defaultMatchOptions(k: number, w: number): MatchOptions {
  return { k, w, minTokens: 50, minWholeFileTokens: k, maxGap: k + 2 * w, maxSkew: 24, maxOccurrences: 200 };
}

interface Fragment {
  file: number;
  hits: number; // fingerprints chained
  firstQ: number;
  lastQ: number;
  firstU: number;
  lastU: number;
  /** Hits as (q, u) pairs, for the token alignment. */
  qs: number[];
  us: number[];
  // After extension: token spans [qStart, qEnd) and [uStart, uEnd).
  qStart: number;
  qEnd: number;
  uStart: number;
  uEnd: number;
  extended: boolean;
  mass: number;
  assigned: number;
  aqStart: number;
  aqEnd: number; // inclusive token bounds of what this fragment was attributed
  verbatim?: number;
}

export interface FileMatch {
  findings: Finding[];
  /** Per query token: 1 where it is attributed to an upstream. */
  covered: Uint8Array;
  copiedTokens: number;
  copiedLines: number;
  /** Hits on fingerprints that are common (idioms): counted, never evidence. */
  commonHits: number;
}

/** Line of token `t` in an upstream file, from its line table. */
function upstreamLine(f: IndexedFile, t: number): number | undefined {
  const no = f.lineNo;
  const tok = f.lineTok;
  if (!no || !tok || no.length === 0) return undefined;
  let s = 0;
  let e = tok.length - 1;
  while (s < e) {
    const m = (s + e + 1) >>> 1;
    if (tok[m] <= t) s = m;
    else e = m - 1;
  }
  return no[s];
}

export function upstreamRef(index: SignatureIndex, fileId: number, lines?: LineRange): UpstreamRef {
  const f = index.files[fileId];
  const m = index.packs[f.pack].manifest;
  return {
    project: m.project,
    version: m.version,
    commit: m.commit,
    remote: m.remote,
    path: f.meta.path,
    lines,
    licence: m.licence,
    category: f.meta.category ?? m.category,
    pack: `${m.project}@${m.version}`,
    module: f.meta.module,
  };
}

function label(u: UpstreamRef): string {
  const l = u.lines ? ` lines ${u.lines.start}-${u.lines.end}` : '';
  return `${u.project}@${u.version} ${u.path}${l}`;
}

function massIn(kinds: Uint8Array, s: number, e: number): number {
  let m = 0;
  for (let i = s; i < e; i++) if (isMassKind(kinds[i])) m++;
  return m;
}

function sameTokens(a: Uint8Array, as: number, b: Uint8Array, bs: number, n: number): boolean {
  if (as + n > a.length || bs + n > b.length) return false;
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

function wholeFile(rel: string, a: CodeAnalysis, index: SignatureIndex, opts: MatchOptions): FileMatch | undefined {
  if (a.mass < opts.minWholeFileTokens) return undefined;
  let ids = index.byBlob.get(a.blobSha1);
  let method: 'blob-sha1' | 'normalized-hash' = 'blob-sha1';
  if (!ids) {
    ids = index.byNorm.get(a.normHash);
    method = 'normalized-hash';
  }
  if (!ids || ids.length === 0) return undefined;
  const first = index.files[ids[0]];
  const up = upstreamRef(index, ids[0], { start: 1, end: first.meta.lines });
  const alternatives = ids.slice(1, 6).map((id) => label(upstreamRef(index, id)));
  // Same normalized stream: tokens align one to one, so the raw-text hashes tell how much was renamed.
  let verbatim: number | undefined = method === 'blob-sha1' ? 1 : undefined;
  if (method === 'normalized-hash' && first.raw8 && first.raw8.length === a.kinds.length) {
    let same = 0;
    let total = 0;
    for (let i = 0; i < a.kinds.length; i++) {
      if (!isValueKind(a.kinds[i])) continue;
      total++;
      if ((a.raw[i] & 0xff) === first.raw8[i]) same++;
    }
    verbatim = total ? same / total : undefined;
  }
  const finding: Finding = {
    id: contentId('cp', up.pack ?? '', up.path ?? '', a.kinds),
    kind: 'copied-code',
    category: up.category,
    file: rel,
    lines: { start: 1, end: Math.max(1, a.lineCount) },
    upstream: up,
    method,
    confidence: method === 'blob-sha1' ? 1 : 0.99,
    strength: 'conclusive',
    tokens: a.mass,
    message:
      method === 'blob-sha1'
        ? `whole file is byte-identical to ${label(up)}`
        : `whole file has the same normalized token stream as ${label(up)} (renamed, reformatted or comments changed)`,
    details: { wholeFile: true, verbatim, alternatives, otherCopies: ids.length - 1 },
  };
  return {
    findings: [finding],
    covered: new Uint8Array(a.kinds.length).fill(1),
    copiedTokens: a.mass,
    copiedLines: a.codeLines,
    commonHits: 0,
  };
}

/** Collects (query pos, upstream pos, upstream file) hits, skipping common fingerprints and background corpora. */
function collectHits(a: CodeAnalysis, index: SignatureIndex, opts: MatchOptions): { hits: Uint32Array; n: number; commonHits: number } {
  let hits = new Uint32Array(Math.max(48, a.fpHi.length * 6));
  let n = 0;
  let commonHits = 0;
  for (let j = 0; j < a.fpHi.length; j++) {
    const [s, e] = lookup(index, a.fpHi[j], a.fpLo[j]);
    if (s === e) continue;
    if (e - s > opts.maxOccurrences || index.common[s]) {
      commonHits++;
      continue;
    }
    for (let x = s; x < e; x++) {
      const f = index.file[x];
      if (index.files[f].background) continue;
      if (n + 3 > hits.length) {
        const h2 = new Uint32Array(hits.length * 2);
        h2.set(hits);
        hits = h2;
      }
      hits[n++] = f;
      hits[n++] = a.fpPos[j];
      hits[n++] = index.pos[x];
    }
  }
  return { hits, n: n / 3, commonHits };
}

/** Chains hits into fragments: monotone on both sides, small gaps, near one diagonal. */
function chain(hits: Uint32Array, count: number, opts: MatchOptions): Fragment[] {
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((x, y) => hits[x * 3] - hits[y * 3] || hits[x * 3 + 1] - hits[y * 3 + 1] || hits[x * 3 + 2] - hits[y * 3 + 2]);
  const out: Fragment[] = [];
  let active: Fragment[] = [];
  let currentFile = -1;
  for (const i of order) {
    const file = hits[i * 3];
    const q = hits[i * 3 + 1];
    const u = hits[i * 3 + 2];
    if (file !== currentFile) {
      active = [];
      currentFile = file;
    }
    let best: Fragment | undefined;
    let bestSkew = Infinity;
    for (const f of active) {
      if (q <= f.lastQ || u <= f.lastU || q - f.lastQ > opts.maxGap || u - f.lastU > opts.maxGap) continue;
      const skew = Math.abs(q - u - (f.lastQ - f.lastU));
      if (skew <= opts.maxSkew && skew < bestSkew) {
        best = f;
        bestSkew = skew;
      }
    }
    if (best) {
      best.hits++;
      best.lastQ = q;
      best.lastU = u;
      best.qs.push(q);
      best.us.push(u);
    } else {
      const f: Fragment = {
        file, hits: 1, firstQ: q, lastQ: q, firstU: u, lastU: u, qs: [q], us: [u],
        qStart: 0, qEnd: 0, uStart: 0, uEnd: 0, extended: false, mass: 0, assigned: 0, aqStart: 0, aqEnd: 0,
      };
      out.push(f);
      active.push(f);
    }
    // Fragments that can no longer be extended leave the active list, which keeps chaining near-linear.
    if (active.length > 16) active = active.filter((f) => q - f.lastQ <= opts.maxGap);
  }
  return out;
}

/** Token-level extension and verification against the upstream stream, when the pack stores it. */
function extend(f: Fragment, a: CodeAnalysis, up: IndexedFile, k: number): boolean {
  f.qStart = f.firstQ;
  f.qEnd = f.lastQ + k;
  f.uStart = f.firstU;
  f.uEnd = f.lastU + k;
  const uk = up.kinds;
  if (!uk) return true;
  // A hash collision would show here: the k tokens under the first and last hits must be equal.
  if (!sameTokens(a.kinds, f.firstQ, uk, f.firstU, k) || !sameTokens(a.kinds, f.lastQ, uk, f.lastU, k)) return false;
  while (f.qStart > 0 && f.uStart > 0 && a.kinds[f.qStart - 1] === uk[f.uStart - 1]) {
    f.qStart--;
    f.uStart--;
  }
  while (f.qEnd < a.kinds.length && f.uEnd < uk.length && a.kinds[f.qEnd] === uk[f.uEnd]) {
    f.qEnd++;
    f.uEnd++;
  }
  // An extension that stops inside a line matched only that line's first tokens (often `def name(` of the next
  // function): give the partial line back, so fragments end on whole lines, but never below what the hits prove.
  // The same goes for a k-gram whose last tokens run into the next function's signature.
  const ln = a.lines;
  while (f.qEnd > f.qStart + 1 && f.qEnd < ln.length && ln[f.qEnd] === ln[f.qEnd - 1]) {
    f.qEnd--;
    f.uEnd--;
  }
  while (f.qStart < f.qEnd - 1 && f.qStart > 0 && ln[f.qStart] === ln[f.qStart - 1]) {
    f.qStart++;
    f.uStart++;
  }
  f.extended = true;
  return true;
}

/** Share of names and literals whose raw text is unchanged, over the aligned tokens of the fragment. */
function verbatimShare(f: Fragment, a: CodeAnalysis, up: IndexedFile): number | undefined {
  const uk = up.kinds;
  const ur = up.raw8;
  if (!uk || !ur) return undefined;
  let same = 0;
  let total = 0;
  let h = 0;
  for (let q = f.qStart; q < f.qEnd; q++) {
    while (h + 1 < f.qs.length && f.qs[h + 1] <= q) h++;
    const d = h === 0 && q < f.qs[0] ? f.qs[0] - f.us[0] : f.qs[h] - f.us[h];
    const u = q - d;
    if (u < 0 || u >= uk.length || uk[u] !== a.kinds[q] || !isValueKind(a.kinds[q])) continue;
    total++;
    if ((a.raw[q] & 0xff) === ur[u]) same++;
  }
  return total === 0 ? undefined : same / total;
}

function linesOf(a: CodeAnalysis, s: number, e: number): LineRange {
  return { start: a.lines[s], end: a.lines[e] };
}

/**
 * Finds code of one repository file that matches the index: whole-file hashes first, then winnowed fragments that
 * are chained, extended at token level, and attributed (the longest fragment wins each token; others are alternatives).
 */
export function matchCode(rel: string, a: CodeAnalysis, index: SignatureIndex, opts: MatchOptions): FileMatch {
  const whole = wholeFile(rel, a, index, opts);
  if (whole) return whole;
  const { hits, n, commonHits } = collectHits(a, index, opts);
  const covered = new Uint8Array(a.kinds.length);
  if (n === 0) return { findings: [], covered, copiedTokens: 0, copiedLines: 0, commonHits };

  const candidates: Fragment[] = [];
  for (const f of chain(hits, n, opts)) {
    const up = index.files[f.file];
    if (!extend(f, a, up, opts.k)) continue;
    const long = f.qEnd - f.qStart >= opts.k + opts.w - 1;
    if (f.hits < 2 && !(f.extended && long)) continue;
    f.mass = massIn(a.kinds, f.qStart, f.qEnd);
    if (f.mass >= opts.minTokens) {
      f.verbatim = verbatimShare(f, a, up);
      candidates.push(f);
    }
  }
  // Longest first. Among equally long ones (structurally identical code in several places) the one whose names and
  // literals agree most is the likelier origin; then the earlier pack and file, so attribution is deterministic.
  candidates.sort((x, y) => y.mass - x.mass || (y.verbatim ?? 0) - (x.verbatim ?? 0) || x.file - y.file || x.qStart - y.qStart);
  const owner = new Int32Array(a.kinds.length).fill(-1);
  const accepted: Fragment[] = [];
  const alternatives = new Map<Fragment, Fragment[]>();
  for (const f of candidates) {
    let assigned = 0;
    let s = -1;
    let e = -1;
    for (let q = f.qStart; q < f.qEnd; q++) {
      if (owner[q] !== -1 || !isMassKind(a.kinds[q])) continue;
      assigned++;
      if (s < 0) s = q;
      e = q;
    }
    if (assigned >= opts.minTokens || (assigned > 0 && assigned >= f.mass / 2 && assigned >= opts.minTokens / 2)) {
      for (let q = s; q <= e; q++) if (owner[q] === -1) owner[q] = accepted.length;
      f.assigned = assigned;
      f.aqStart = s;
      f.aqEnd = e;
      accepted.push(f);
    } else {
      // Mostly inside a longer fragment: an alternative origin of that one.
      const host = accepted[owner[Math.max(f.qStart, Math.min(f.qEnd - 1, (f.qStart + f.qEnd) >> 1))]];
      if (host && host.file !== f.file) alternatives.set(host, [...(alternatives.get(host) ?? []), f]);
    }
  }

  const findings: Finding[] = [];
  let copiedTokens = 0;
  for (const f of accepted) {
    for (let q = f.aqStart; q <= f.aqEnd; q++) if (owner[q] !== -1) covered[q] = 1;
    const up = index.files[f.file];
    const uStart = f.uStart + (f.aqStart - f.qStart);
    const uEnd = Math.max(uStart, f.uEnd - 1 - (f.qEnd - 1 - f.aqEnd));
    const us = upstreamLine(up, uStart);
    const ue = upstreamLine(up, uEnd);
    const ref = upstreamRef(index, f.file, us !== undefined && ue !== undefined ? { start: us, end: ue } : undefined);
    const lines = linesOf(a, f.aqStart, f.aqEnd);
    const verbatim = f.verbatim;
    const alts = (alternatives.get(f) ?? []).slice(0, 5).map((g) => label(upstreamRef(index, g.file)));
    copiedTokens += f.assigned;
    const vb = verbatim === undefined ? '' : `, ${Math.round(verbatim * 100)}% of names and literals unchanged`;
    findings.push({
      id: contentId('cp', ref.pack ?? '', ref.path ?? '', a.kinds.subarray(f.aqStart, f.aqEnd + 1)),
      kind: 'copied-code',
      category: ref.category,
      file: rel,
      lines,
      upstream: ref,
      method: 'winnowing',
      // Longer fragments are less likely to be a shared idiom: confidence grows with the mass covered.
      confidence: Math.min(0.99, 0.6 + f.assigned / 500),
      strength: f.assigned >= 100 ? 'strong' : 'moderate',
      tokens: f.assigned,
      message: `lines ${lines.start}-${lines.end} (${f.assigned} tokens) match ${label(ref)}${vb}`,
      details: { fingerprints: f.hits, verbatim, extended: f.extended, alternatives: alts },
    });
  }
  let copiedLines = 0;
  let last = -1;
  for (let q = 0; q < a.kinds.length; q++) {
    if (covered[q] && isMassKind(a.kinds[q]) && a.lines[q] !== last) {
      copiedLines++;
      last = a.lines[q];
    }
  }
  findings.sort((x, y) => (x.lines?.start ?? 0) - (y.lines?.start ?? 0));
  return { findings, covered, copiedTokens, copiedLines, commonHits };
}
