// Candidate vocabulary (full) vs reference signature (sampled): figures, then the derived / re-indexed /
// informational rule of research/weights-anchors.md §4.

import { base64ToInt32, base64ToUint32, hashBlock, type IndexedVocabulary, multiByteCount, unpackRecords } from './signature';
import type { Relation, TokenizerComparison, TokenizerSignature } from './types';

/**
 * Thresholds (§4). Measured real pairs: derived pairs have containment ≥ 0.989 and Spearman 1.0; independent pairs
 * reach containment 0.86 and Spearman 0.82 at most. Raw overlap of 50–86% is normal between independent BPEs.
 */
export const THRESHOLDS = {
  /** Containment of the smaller vocabulary for "derived". */
  derivedContainment: 0.95,
  /** Spearman of shared ids that counts as preserved order. */
  orderSpearman: 0.98,
  /** Alternative order evidence: identical-id prefix covering this share of the smaller vocabulary. */
  prefixShare: 0.5,
  /** Containment of the reference for "same token set, re-indexed". */
  reindexedContainment: 0.98,
  /** Below this many shared multi-byte tokens nothing is concluded (tiny vocabularies overlap by chance). */
  minShared: 1000,
};

/** Spearman rank correlation of paired values (distinct within each side). */
export function spearman(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  if (n < 3) return null;
  const rank = (v: number[]): Float64Array => {
    const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const r = new Float64Array(n);
    order.forEach((idx, pos) => (r[idx] = pos));
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const mean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i] - mean;
    const dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Leading blocks of the reference whose hash the candidate reproduces over the same id range. */
function samePrefix(candHashes: Float64Array, blocksB64: string, size: number, span: number): number {
  const blocks = base64ToUint32(blocksB64);
  let prefix = 0;
  for (let b = 0; b < blocks.length; b++) {
    const start = b * size;
    const end = Math.min(start + size, span);
    if (hashBlock(candHashes, start, end) !== blocks[b]) break;
    prefix = end;
  }
  return prefix;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export function compareWithSignature(cand: IndexedVocabulary, ref: TokenizerSignature): TokenizerComparison {
  const candMulti = multiByteCount(cand);
  const refMulti = ref.sizes.multiByte;

  const records = unpackRecords(ref.sample.data, ref.sample.records);
  const xs: number[] = [];
  const ys: number[] = [];
  let sameSampled = 0;
  for (const [h, refId] of records) {
    const candId = cand.tokenIds.get(h);
    if (candId === undefined) continue;
    xs.push(refId);
    ys.push(candId);
    if (candId === refId) sameSampled++;
  }
  const sampled = records.length;
  const containmentOfReference = sampled ? xs.length / sampled : 0;
  // Bottom-k: the sample is every reference token hashing at or below the last record. The candidate's tokens in
  // that hash range are a uniform sample of the candidate, so its containment is estimated directly, too.
  const threshold = sampled > 0 && sampled < refMulti ? records[sampled - 1][0] : Infinity;
  let candInRange = 0;
  if (threshold === Infinity) candInRange = candMulti;
  else for (const h of cand.tokenIds.keys()) if (h <= threshold) candInRange++;
  const containmentOfCandidate = candInRange ? Math.min(1, xs.length / candInRange) : 0;
  // Each side's estimate is most precise for the smaller vocabulary; the rule uses the smaller one.
  const candSmaller = candMulti < refMulti;
  const containment = candSmaller ? containmentOfCandidate : containmentOfReference;
  const sharedEstimate = candSmaller ? containmentOfCandidate * candMulti : containmentOfReference * refMulti;
  const union = refMulti + candMulti - sharedEstimate;
  const rho = spearman(xs, ys);

  const refSingles = base64ToInt32(ref.singleByteIds);
  let sameSingles = 0;
  for (let b = 0; b < 256; b++) if (refSingles[b] >= 0 && refSingles[b] === cand.singleByteIds[b]) sameSingles++;
  const sameIdEstimate = Math.round(sameSingles + (sampled ? (sameSampled / sampled) * refMulti : 0));
  const sameIdPrefix = samePrefix(cand.tokenHashes, ref.blocks.data, ref.blocks.size, ref.sizes.idSpan);
  const smallerRegular = Math.min(ref.sizes.regular, cand.regular);
  const sameIdPrefixShare = smallerRegular ? Math.min(1, sameIdPrefix / smallerRegular) : 0;

  const merges = compareMerges(cand, ref);
  const candSpecials = new Map(cand.vocab.added.map((a) => [a.content, a.id]));
  const sharedSpecials = ref.added.filter(([c, id]) => candSpecials.get(c) === id).map(([c, id]) => `${c}=${id}`);

  const fileHashes = new Set(ref.files.map((f) => f.sha256));
  const cmp: TokenizerComparison = {
    reference: ref.name,
    relation: 'informational',
    reason: '',
    fileIdentical: cand.vocab.files.some((f) => fileHashes.has(f.sha256)),
    vocabIdentical: cand.hashes.vocab === ref.hashes.vocab,
    vocabSetIdentical: cand.hashes.vocabSet === ref.hashes.vocabSet,
    containmentOfReference: round(containmentOfReference),
    containmentOfCandidate: round(containmentOfCandidate),
    containment: round(containment),
    jaccard: round(union > 0 ? sharedEstimate / union : 0),
    sharedEstimate: Math.round(sharedEstimate),
    sampled,
    candidateSampled: candInRange,
    sampledShared: xs.length,
    spearman: rho === null ? null : round(rho),
    sameIdEstimate,
    sameIdPrefix,
    sameIdPrefixShare: round(sameIdPrefixShare),
    merges,
    sharedSpecials: sharedSpecials.slice(0, 10),
    candidateSize: cand.regular,
    referenceSize: ref.sizes.regular,
  };
  const { relation, reason } = classify(cmp);
  cmp.relation = relation;
  cmp.reason = reason;
  return cmp;
}

function compareMerges(cand: IndexedVocabulary, ref: TokenizerSignature): TokenizerComparison['merges'] {
  const out: TokenizerComparison['merges'] = {
    reference: ref.sizes.merges,
    candidate: cand.mergeKeys.length,
    containmentOfReference: null,
    spearman: null,
    samePrefix: 0,
    identical: ref.hashes.merges !== null && cand.hashes.merges === ref.hashes.merges,
  };
  if (!ref.sizes.merges || !cand.mergeKeys.length) return out;
  const records = unpackRecords(ref.mergeSample.data, ref.mergeSample.records);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [h, rank] of records) {
    const c = cand.mergeRanks.get(h);
    if (c === undefined) continue;
    xs.push(rank);
    ys.push(c);
  }
  out.containmentOfReference = records.length ? round(xs.length / records.length) : null;
  const rho = spearman(xs, ys);
  out.spearman = rho === null ? null : round(rho);
  out.samePrefix = samePrefix(cand.mergeHashes, ref.mergeBlocks.data, ref.mergeBlocks.size, ref.sizes.merges);
  return out;
}

/** The §4 rule. Overlap alone is never more than informational. */
export function classify(c: TokenizerComparison): { relation: Relation; reason: string } {
  const t = THRESHOLDS;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  if (c.fileIdentical) return { relation: 'identical', reason: 'file is byte-identical to the reference' };
  if (c.vocabIdentical) return { relation: 'identical', reason: 'same tokens with the same ids as the reference' };
  const enough = c.sharedEstimate >= t.minShared;
  const ordered = (c.spearman !== null && c.spearman >= t.orderSpearman) || c.sameIdPrefixShare >= t.prefixShare;
  if (enough && c.containment >= t.derivedContainment && ordered) {
    const order = c.sameIdPrefixShare >= t.prefixShare ? `identical ids for the first ${c.sameIdPrefix} tokens` : `id order preserved (Spearman ${c.spearman})`;
    return { relation: 'derived', reason: `${pct(c.containment)} of the smaller vocabulary shared, ${order}` };
  }
  if (enough && c.containmentOfReference >= t.reindexedContainment) {
    return { relation: 're-indexed', reason: `${pct(c.containmentOfReference)} of the reference vocabulary present with other ids (Spearman ${c.spearman})` };
  }
  return { relation: 'informational', reason: `overlap ${pct(c.containment)} of the smaller vocabulary, Spearman ${c.spearman}: not evidence of derivation` };
}
