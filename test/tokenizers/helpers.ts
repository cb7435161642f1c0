// Test helpers: write synthetic tokenizer files in each format, seeded shuffles, a tiny BPE trainer.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bytesToByteLevel } from '../../src/tokenizers/bytes';
import { encodeBytesField, encodeFloatField, encodeStringField, encodeVarintField } from '../../src/tokenizers/protobuf';

export const MODULES = path.join(__dirname, '..', '..', 'node_modules');
export const SIGNATURES = path.join(__dirname, '..', '..', 'signatures', 'tokenizers');

export function tmpDir(prefix = 'tok-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Mulberry32: small seeded PRNG so synthetic fixtures are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], seed: number): T[] {
  const r = rng(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Dense key list (bytes as latin1) from a vocabulary's tokens, holes dropped. */
export function denseKeys(tokens: (string | undefined)[]): string[] {
  return tokens.filter((t): t is string => t !== undefined);
}

/** HF tokenizer.json, byte-level BPE. Merges written as "a b" strings or [a, b] pairs. */
export function writeByteLevelJson(file: string, keys: string[], opts: { merges?: [string, string][]; pairs?: boolean; added?: { content: string; id: number }[] } = {}): void {
  const vocab: Record<string, number> = {};
  keys.forEach((k, id) => (vocab[bytesToByteLevel(k)] = id));
  const merges = (opts.merges ?? []).map(([a, b]) => (opts.pairs ? [bytesToByteLevel(a), bytesToByteLevel(b)] : `${bytesToByteLevel(a)} ${bytesToByteLevel(b)}`));
  const doc = {
    version: '1.0',
    added_tokens: (opts.added ?? []).map((a) => ({ ...a, special: true, normalized: false })),
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab, merges },
  };
  fs.writeFileSync(file, JSON.stringify(doc));
}

export function writeTiktoken(file: string, keys: (string | undefined)[]): void {
  const lines: string[] = [];
  keys.forEach((k, id) => {
    if (k !== undefined) lines.push(`${Buffer.from(k, 'latin1').toString('base64')} ${id}`);
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export interface Piece {
  piece: string;
  score?: number;
  type?: number;
}

/** SentencePiece ModelProto written by hand in protobuf wire format. */
export function encodeSentencePiece(pieces: Piece[], trainer?: { input?: string[]; prefix?: string; modelType?: number; vocabSize?: number; byteFallback?: boolean }): Buffer {
  const parts: Buffer[] = pieces.map((p) => {
    const body = [encodeStringField(1, p.piece), encodeFloatField(2, p.score ?? 0)];
    if (p.type !== undefined) body.push(encodeVarintField(3, p.type));
    return encodeBytesField(1, Buffer.concat(body));
  });
  if (trainer) {
    const t: Buffer[] = [];
    for (const i of trainer.input ?? []) t.push(encodeStringField(1, i));
    if (trainer.prefix) t.push(encodeStringField(2, trainer.prefix));
    if (trainer.modelType) t.push(encodeVarintField(3, trainer.modelType));
    if (trainer.vocabSize) t.push(encodeVarintField(4, trainer.vocabSize));
    if (trainer.byteFallback !== undefined) t.push(encodeVarintField(35, trainer.byteFallback ? 1 : 0));
    parts.push(encodeBytesField(2, Buffer.concat(t)));
  }
  parts.push(encodeBytesField(3, encodeStringField(1, 'identity')));
  return Buffer.concat(parts);
}

/**
 * A tiny byte-level BPE trained here on a given text (a stand-in for an independently trained tokenizer).
 * Ids: the 256 bytes in GPT-2 alphabet order (as HF trainers emit them), then one token per merge.
 */
export function trainTinyBpe(text: string, merges: number, maxWords = 6000): { keys: string[]; merges: [string, string][] } {
  const counts = new Map<string, number>();
  for (const w of text.match(/ ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, maxWords);
  const seqs = words.map(([w]) => [...Buffer.from(w, 'utf8')].map((b) => String.fromCharCode(b)));
  const freq = words.map(([, c]) => c);
  const alphabet = [...Array(256).keys()].map((b) => String.fromCharCode(b)).sort((a, b) => bytesToByteLevel(a).codePointAt(0)! - bytesToByteLevel(b).codePointAt(0)!);
  const keys = alphabet.slice();
  const out: [string, string][] = [];
  for (let m = 0; m < merges; m++) {
    const pairs = new Map<string, number>();
    seqs.forEach((s, i) => {
      for (let j = 0; j + 1 < s.length; j++) {
        const k = `${s[j].length}:${s[j]}${s[j + 1]}`;
        pairs.set(k, (pairs.get(k) ?? 0) + freq[i]);
      }
    });
    let best = '';
    let bestN = 0;
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && k < best)) [best, bestN] = [k, n];
    if (bestN < 2) break;
    const colon = best.indexOf(':');
    const la = Number(best.slice(0, colon));
    const a = best.slice(colon + 1, colon + 1 + la);
    const b = best.slice(colon + 1 + la);
    out.push([a, b]);
    keys.push(a + b);
    for (const s of seqs) {
      for (let j = 0; j + 1 < s.length; j++) {
        if (s[j] === a && s[j + 1] === b) s.splice(j, 2, a + b);
      }
    }
  }
  return { keys, merges: out };
}
