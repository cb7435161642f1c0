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
  /** Smallest piece accepted from an upstream file that already has a long fragment in the same repository file. */
  minAnchoredTokens: number;
  /**
   * Fine pass inside such anchored pairs: exact (unwinnowed) k-grams of this many tokens find pieces too short for
   * winnowing, down to `minFineTokens` tokens.
   */
  fineK: number;
  minFineTokens: number;
  minFineVerbatim: number;
  /**
   * Below this share of distinct token trigrams a fragment is repetitive (a run of `a=a, b=b, ...`): it counts only
   * when its names are unchanged too, since any code of that shape matches it.
   */
  minDiversity: number;
}

export function defaultMatchOptions(k: number, w: number): MatchOptions {
  return { k, w, minTokens: 50, minWholeFileTokens: k, maxGap: k + 2 * w, maxSkew: 24, maxOccurrences: 200, minAnchoredTokens: 30, fineK: 12, minFineTokens: 20, minFineVerbatim: 0.8, minDiversity: 0.15 };
}

interface Fragment {
  file: number;
  hits: number; // fingerprints chained
  commonHits: number; // of which common (idioms): they bridge a fragment, they do not make one
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
    // A file that is one repetitive run (a long keyword-forwarding call) has the same stream as any file of that
    // shape: without its names it is no evidence of a whole-file copy.
    if (diversity(a.kinds, 0, a.kinds.length) < opts.minDiversity && (verbatim ?? 0) < 0.9) return undefined;
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

/**
 * Collects (upstream file, query pos, upstream pos, common flag) hits, skipping background corpora. Common
 * fingerprints are kept, flagged: they may bridge a fragment or, verbatim and long, make one; alone they never count.
 */
function collectHits(a: CodeAnalysis, index: SignatureIndex, opts: MatchOptions): { hits: Uint32Array; n: number; commonHits: number } {
  let hits = new Uint32Array(Math.max(64, a.fpHi.length * 8));
  let n = 0;
  let commonHits = 0;
  for (let j = 0; j < a.fpHi.length; j++) {
    const [s, e] = lookup(index, a.fpHi[j], a.fpLo[j]);
    if (s === e) continue;
    const common = index.common[s];
    if (common) commonHits++;
    if (e - s > opts.maxOccurrences) {
      if (!common) commonHits++;
      continue;
    }
    for (let x = s; x < e; x++) {
      const f = index.file[x];
      if (index.files[f].background) continue;
      if (n + 4 > hits.length) {
        const h2 = new Uint32Array(hits.length * 2);
        h2.set(hits);
        hits = h2;
      }
      hits[n++] = f;
      hits[n++] = a.fpPos[j];
      hits[n++] = index.pos[x];
      hits[n++] = common;
    }
  }
  return { hits, n: n / 4, commonHits };
}

/** Share of distinct token trigrams: low for repetitive runs that match any code of the same shape. */
function diversity(kinds: Uint8Array, s: number, e: number): number {
  if (e - s < 3) return 1;
  const seen = new Set<number>();
  for (let i = s; i + 2 < e; i++) seen.add((kinds[i] << 16) | (kinds[i + 1] << 8) | kinds[i + 2]);
  return seen.size / (e - s - 2);
}

/** Chains hits into fragments: monotone on both sides, small gaps, near one diagonal. */
function chain(hits: Uint32Array, count: number, opts: MatchOptions): Fragment[] {
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((x, y) => hits[x * 4] - hits[y * 4] || hits[x * 4 + 1] - hits[y * 4 + 1] || hits[x * 4 + 2] - hits[y * 4 + 2]);
  const out: Fragment[] = [];
  let active: Fragment[] = [];
  let currentFile = -1;
  for (const i of order) {
    const file = hits[i * 4];
    const q = hits[i * 4 + 1];
    const u = hits[i * 4 + 2];
    const common = hits[i * 4 + 3];
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
      best.commonHits += common;
      best.lastQ = q;
      best.lastU = u;
      best.qs.push(q);
      best.us.push(u);
    } else {
      const f: Fragment = {
        file, hits: 1, commonHits: common, firstQ: q, lastQ: q, firstU: u, lastU: u, qs: [q], us: [u],
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
  // Block markers belong to no line of their own (a DEDENT carries the line before it), so they never make a line
  // partial: a copy that closes one block more than the upstream keeps its last line.
  const [qs, qe] = wholeLines(a, f.qStart, f.qEnd);
  f.uStart += qs - f.qStart;
  f.uEnd -= f.qEnd - qe;
  f.qStart = qs;
  f.qEnd = qe;
  f.extended = true;
  return true;
}

/**
 * [s, e) shrunk to whole lines (at least one token kept): a range that starts or stops inside a line gives that line
 * back. Block markers belong to no line of their own, so they never make a line partial.
 */
function wholeLines(a: CodeAnalysis, s: number, e: number): [number, number] {
  const ln = a.lines;
  while (e > s + 1 && e < ln.length && isMassKind(a.kinds[e]) && ln[e] === ln[e - 1]) e--;
  while (s < e - 1 && s > 0 && isMassKind(a.kinds[s - 1]) && ln[s] === ln[s - 1]) s++;
  return [s, e];
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
 * Pieces too short for winnowing (a three-line property, a small helper moved elsewhere) between a repository file
 * and an upstream file it already copies at length: every k-gram of `fineK` tokens of the upstream file is hashed
 * (no winnowing), the repository's unattributed tokens are looked up, and each hit is verified and extended token by
 * token, then trimmed to whole lines. Only ever run for such anchored pairs, so its cost stays small.
 */
function finePieces(a: CodeAnalysis, up: IndexedFile, fileId: number, owner: Int32Array, opts: MatchOptions): Fragment[] {
  const uk = up.kinds;
  const k = opts.fineK;
  if (!uk || uk.length < k || a.kinds.length < k) return [];
  const hashAt = (arr: Uint8Array, i: number): number => {
    let h = 0x811c9dc5;
    for (let j = i; j < i + k; j++) h = Math.imul(h ^ arr[j], 0x01000193);
    return h >>> 0;
  };
  const table = new Map<number, number[]>();
  for (let u = 0; u + k <= uk.length; u++) {
    const h = hashAt(uk, u);
    const list = table.get(h);
    if (!list) table.set(h, [u]);
    else if (list.length < 16) list.push(u);
  }
  const out: Fragment[] = [];
  let q = 0;
  while (q + k <= a.kinds.length) {
    if (owner[q] !== -1) {
      q++;
      continue;
    }
    let best = -1;
    let bestLen = 0;
    for (const u of table.get(hashAt(a.kinds, q)) ?? []) {
      let len = 0;
      while (q + len < a.kinds.length && u + len < uk.length && owner[q + len] === -1 && a.kinds[q + len] === uk[u + len]) len++;
      if (len > bestLen) {
        bestLen = len;
        best = u;
      }
    }
    if (best < 0 || bestLen < k) {
      q++;
      continue;
    }
    const [qs, qe] = wholeLines(a, q, q + bestLen);
    const mass = massIn(a.kinds, qs, qe);
    if (mass >= opts.minFineTokens && diversity(a.kinds, qs, qe) >= opts.minDiversity) {
      const us = best + (qs - q);
      const f: Fragment = {
        file: fileId, hits: 0, commonHits: 0, firstQ: qs, lastQ: qs, firstU: us, lastU: us, qs: [qs], us: [us],
        qStart: qs, qEnd: qe, uStart: us, uEnd: us + (qe - qs), extended: true, mass, assigned: 0, aqStart: 0, aqEnd: 0,
      };
      f.verbatim = verbatimShare(f, a, up);
      // A few lines of the same shape are common between independent models (embed, loop over layers, read out):
      // so short a piece counts only with its names and literals kept.
      if ((f.verbatim ?? 0) >= opts.minFineVerbatim) out.push(f);
    }
    q += bestLen;
  }
  return out.sort((x, y) => y.mass - x.mass || x.qStart - y.qStart);
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
  const nearMisses: Fragment[] = []; // short pieces: kept only next to a long fragment of the same upstream file
  for (const f of chain(hits, n, opts)) {
    const up = index.files[f.file];
    if (!extend(f, a, up, opts.k)) continue;
    f.mass = massIn(a.kinds, f.qStart, f.qEnd);
    if (f.mass < opts.minAnchoredTokens) continue;
    f.verbatim = verbatimShare(f, a, up);
    const rare = f.hits - f.commonHits;
    const long = f.qEnd - f.qStart >= opts.k + opts.w - 1;
    // Evidence: two rare fingerprints, or one extended to a full window; made of idioms only, it must be verbatim
    // and long (widely copied code such as a rotary-embedding helper is still a copy when taken word for word).
    const evidence = rare >= 2 || (rare === 1 && f.extended && long) || (rare === 0 && (f.verbatim ?? 0) >= 0.95 && f.mass >= 2 * opts.minTokens);
    const repetitive = diversity(a.kinds, f.qStart, f.qEnd) < opts.minDiversity && (f.verbatim ?? 0) < 0.9;
    if (repetitive) continue;
    if (evidence && f.mass >= opts.minTokens) candidates.push(f);
    else if (rare >= 1 || (f.verbatim ?? 0) >= 0.95) nearMisses.push(f);
  }
  // Longest first. Among equally long ones (structurally identical code in several places) the one whose names and
  // literals agree most is the likelier origin; then the earlier pack and file, so attribution is deterministic.
  candidates.sort((x, y) => y.mass - x.mass || (y.verbatim ?? 0) - (x.verbatim ?? 0) || x.file - y.file || x.qStart - y.qStart);
  const owner = new Int32Array(a.kinds.length).fill(-1);
  const accepted: Fragment[] = [];
  const alternatives = new Map<Fragment, Fragment[]>();
  const attribute = (list: Fragment[], min: number): void => {
    for (const f of list) {
      let assigned = 0;
      let s = -1;
      let e = -1;
      for (let q = f.qStart; q < f.qEnd; q++) {
        if (owner[q] !== -1 || !isMassKind(a.kinds[q])) continue;
        assigned++;
        if (s < 0) s = q;
        e = q;
      }
      if (assigned >= min || (assigned > 0 && assigned >= f.mass / 2 && assigned >= min / 2)) {
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
  };
  attribute(candidates, opts.minTokens);
  // Short pieces (a three-line property, a small helper) are taken from an upstream file that this repository file
  // already copies at length: reordered or interleaved copies are otherwise lost piece by piece.
  const anchors = new Set(accepted.filter((f) => f.assigned >= 2 * opts.minTokens).map((f) => f.file));
  attribute(nearMisses.filter((f) => anchors.has(f.file)).sort((x, y) => y.mass - x.mass || x.qStart - y.qStart), opts.minAnchoredTokens);
  for (const fileId of anchors) attribute(finePieces(a, index.files[fileId], fileId, owner, opts), opts.minFineTokens);

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
      strength: f.assigned >= 100 && f.hits > f.commonHits ? 'strong' : 'moderate',
      tokens: f.assigned,
      message: `lines ${lines.start}-${lines.end} (${f.assigned} tokens) match ${label(ref)}${vb}`,
      details: { fingerprints: f.hits, commonFingerprints: f.commonHits, verbatim, extended: f.extended, alternatives: alts, ...(f.hits === 0 ? { finePass: true } : {}) },
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
