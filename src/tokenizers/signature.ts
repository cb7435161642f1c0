// Vocabulary -> indexed form (for comparison) and -> TokenizerSignature (small, committed JSON).
// A signature keeps a bottom-k hash sample of tokens with their ids: containment, Jaccard and the Spearman
// correlation of ids can be estimated from it against any full candidate vocabulary, with no token text stored.

import { createHash } from 'node:crypto';
import { hash48, hashSequence32, mergeKey } from './bytes';
import type { AddedToken, FileHash, TokenizerSignature, Vocabulary } from './types';

export const SIGNATURE_SCHEMA = 'scratch-audit/tokenizer-signature@1';
/** Sample sizes: ±0.4% standard error on containment at 16k, a few hundred KB per signature. */
export const TOKEN_SAMPLE = 16_384;
export const MERGE_SAMPLE = 8_192;
export const TOKEN_BLOCK = 64;
export const MERGE_BLOCK = 256;

/** A vocabulary with the lookups the comparison needs. Built once per candidate file. */
export interface IndexedVocabulary {
  vocab: Vocabulary;
  tokens: (string | undefined)[];
  /** hash48 of each regular token by id; NaN for holes. */
  tokenHashes: Float64Array;
  idSpan: number;
  regular: number;
  /** hash48 of multi-byte token bytes -> lowest id holding them. */
  tokenIds: Map<number, number>;
  singleByteIds: Int32Array;
  /** hash48 of merge pair -> lowest rank. */
  mergeRanks: Map<number, number>;
  mergeKeys: string[];
  mergeHashes: Float64Array;
  hashes: TokenizerSignature['hashes'];
  duplicates: number;
}

/** SHA-256 of length-prefixed keys (with ids when given), written into one buffer: no per-token allocations. */
function sha256Keys(keys: string[], ids?: number[]): string {
  let total = 0;
  for (const k of keys) total += 8 + k.length;
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  keys.forEach((k, i) => {
    buf.writeUInt32LE(ids ? ids[i] : 0, pos);
    buf.writeUInt32LE(k.length, pos + 4);
    pos += 8;
    pos += buf.write(k, pos, 'latin1');
  });
  return createHash('sha256').update(buf).digest('hex');
}

/** hash48 of each key (NaN for a hole), computed once and reused by samples and block hashes. */
function hashAll(keys: (string | undefined)[]): Float64Array {
  const out = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    out[i] = k === undefined ? NaN : hash48(k);
  }
  return out;
}

export function indexVocabulary(vocab: Vocabulary): IndexedVocabulary {
  const tokens = vocab.tokens;
  const tokenHashes = hashAll(tokens);
  const tokenIds = new Map<number, number>();
  const singleByteIds = new Int32Array(256).fill(-1);
  const definedIds: number[] = [];
  const definedKeys: string[] = [];
  let duplicates = 0;
  const seen = new Set<string>();
  for (let id = 0; id < tokens.length; id++) {
    const k = tokens[id];
    if (k === undefined) continue;
    definedIds.push(id);
    definedKeys.push(k);
    // Same bytes twice (e.g. SentencePiece <0x41> and "A"): the lowest id represents them.
    if (seen.has(k)) {
      duplicates++;
      continue;
    }
    seen.add(k);
    if (k.length === 1) singleByteIds[k.charCodeAt(0)] = id;
    else tokenIds.set(tokenHashes[id], id);
  }
  const mergeKeys = vocab.merges.map(([a, b]) => mergeKey(a, b));
  const mergeHashes = hashAll(mergeKeys);
  const mergeRanks = new Map<number, number>();
  mergeHashes.forEach((h, rank) => {
    if (!mergeRanks.has(h)) mergeRanks.set(h, rank);
  });
  const sortedSet = [...seen].sort();
  const addedSorted = [...vocab.added].sort((a, b) => a.id - b.id || (a.content < b.content ? -1 : 1));
  return {
    vocab,
    tokens,
    tokenHashes,
    idSpan: tokens.length,
    regular: definedIds.length,
    tokenIds,
    singleByteIds,
    mergeRanks,
    mergeKeys,
    mergeHashes,
    duplicates,
    hashes: {
      vocab: sha256Keys(definedKeys, definedIds),
      vocabSet: sha256Keys(sortedSet),
      merges: mergeKeys.length ? sha256Keys(mergeKeys) : null,
      added: createHash('sha256').update(JSON.stringify(addedSorted.map((a) => [a.content, a.id]))).digest('hex'),
    },
  };
}

/** Multi-byte distinct tokens: the population of the set metrics (single bytes are shared by all byte-level vocabularies). */
export function multiByteCount(ix: IndexedVocabulary): number {
  return ix.tokenIds.size;
}

/** Bottom-k by hash: a consistent sample, so the same token is sampled in every signature that holds it. */
function bottomK(entries: Map<number, number>, k: number): [number, number][] {
  const hashes = Float64Array.from(entries.keys()).sort();
  const n = Math.min(k, hashes.length);
  const out: [number, number][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = [hashes[i], entries.get(hashes[i])!];
  return out;
}

export function packRecords(records: [number, number][]): string {
  const buf = Buffer.alloc(records.length * 10);
  records.forEach(([h, id], i) => {
    buf.writeUIntLE(h, i * 10, 6);
    buf.writeUInt32LE(id, i * 10 + 6);
  });
  return buf.toString('base64');
}

export function unpackRecords(data: string, records: number): [number, number][] {
  const buf = Buffer.from(data, 'base64');
  if (buf.length !== records * 10) throw new Error(`sample holds ${buf.length} bytes, expected ${records * 10}`);
  const out: [number, number][] = new Array(records);
  for (let i = 0; i < records; i++) out[i] = [buf.readUIntLE(i * 10, 6), buf.readUInt32LE(i * 10 + 6)];
  return out;
}

/** 32-bit hash of each consecutive block of `size` entries over [0, span); entries beyond the array are holes. */
export function blockHashes(hashes: Float64Array, span: number, size: number): Uint32Array {
  const n = Math.ceil(span / size);
  const out = new Uint32Array(n);
  for (let b = 0; b < n; b++) out[b] = hashBlock(hashes, b * size, Math.min(b * size + size, span));
  return out;
}

export function hashBlock(hashes: Float64Array, start: number, end: number): number {
  return hashSequence32(hashes, start, end);
}

function u32ToBase64(a: Uint32Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function base64ToUint32(s: string): Uint32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Uint32Array(Math.floor(b.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = b.readUInt32LE(i * 4);
  return out;
}

export function base64ToInt32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Int32Array(Math.floor(b.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = b.readInt32LE(i * 4);
  return out;
}

export interface SignatureOptions {
  name: string;
  version?: string;
  source?: string;
  licence?: string;
  /** Override the sample sizes (tests use Infinity for exact figures). */
  tokenSample?: number;
  mergeSample?: number;
  files?: FileHash[];
}

/** Specials are kept in clear (their names and ids are the breadcrumbs); capped to keep the file small. */
const MAX_ADDED_KEPT = 2048;

export function signatureFromVocabulary(vocab: Vocabulary, opts: SignatureOptions, indexed?: IndexedVocabulary): TokenizerSignature {
  const ix = indexed ?? indexVocabulary(vocab);
  const sample = bottomK(ix.tokenIds, opts.tokenSample ?? TOKEN_SAMPLE);
  const mergeSample = bottomK(ix.mergeRanks, opts.mergeSample ?? MERGE_SAMPLE);
  const added: [string, number][] = vocab.added
    .slice()
    .sort((a: AddedToken, b: AddedToken) => a.id - b.id)
    .slice(0, MAX_ADDED_KEPT)
    .map((a) => [a.content.slice(0, 200), a.id]);
  return {
    schema: SIGNATURE_SCHEMA,
    name: opts.name,
    version: opts.version ?? '',
    ...(opts.source ? { source: opts.source } : {}),
    ...(opts.licence ? { licence: opts.licence } : {}),
    format: vocab.format,
    style: vocab.style,
    files: opts.files ?? vocab.files,
    sizes: { regular: ix.regular, multiByte: multiByteCount(ix), idSpan: ix.idSpan, added: vocab.added.length, merges: vocab.merges.length },
    hashes: ix.hashes,
    sample: { records: sample.length, data: packRecords(sample) },
    singleByteIds: u32ToBase64(ix.singleByteIds),
    blocks: { size: TOKEN_BLOCK, data: u32ToBase64(blockHashes(ix.tokenHashes, ix.idSpan, TOKEN_BLOCK)) },
    mergeSample: { records: mergeSample.length, data: packRecords(mergeSample) },
    mergeBlocks: { size: MERGE_BLOCK, data: u32ToBase64(blockHashes(ix.mergeHashes, ix.mergeKeys.length, MERGE_BLOCK)) },
    added,
    breadcrumbs: vocab.breadcrumbs,
  };
}

/** Structural check of a parsed signature; throws with the problem. */
export function validateSignature(v: unknown): TokenizerSignature {
  const s = v as TokenizerSignature;
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  if (s.schema !== SIGNATURE_SCHEMA) throw new Error(`schema is ${JSON.stringify(s.schema)}, expected ${SIGNATURE_SCHEMA}`);
  if (typeof s.name !== 'string' || !s.name) throw new Error('missing name');
  for (const k of ['regular', 'multiByte', 'idSpan', 'added', 'merges'] as const) {
    if (!Number.isInteger(s.sizes?.[k]) || s.sizes[k] < 0) throw new Error(`sizes.${k} is not a count`);
  }
  for (const sec of [s.sample, s.mergeSample]) {
    if (!sec || !Number.isInteger(sec.records) || typeof sec.data !== 'string') throw new Error('bad sample section');
    if (Buffer.from(sec.data, 'base64').length !== sec.records * 10) throw new Error('sample length does not match its record count');
  }
  for (const sec of [s.blocks, s.mergeBlocks]) {
    if (!sec || !Number.isInteger(sec.size) || sec.size < 1 || typeof sec.data !== 'string') throw new Error('bad block section');
  }
  if (typeof s.singleByteIds !== 'string' || Buffer.from(s.singleByteIds, 'base64').length !== 1024) throw new Error('bad singleByteIds');
  if (!s.hashes || typeof s.hashes.vocab !== 'string') throw new Error('missing hashes');
  if (!Array.isArray(s.files) || !Array.isArray(s.added)) throw new Error('missing files/added');
  return s;
}
