// Hugging Face formats -> Vocabulary: tokenizer.json (BPE, WordPiece, WordLevel, Unigram) and vocab.json + merges.txt.
// Pure functions over parsed values; file I/O lives in read.ts.

import { normalizeToken } from './bytes';
import type { AddedToken, TokenStyle, Vocabulary } from './types';

export const MAX_TOKENS = 4_000_000;
export const MAX_TOKEN_CHARS = 65_536;

export class FormatError extends Error {}

type Json = unknown;
type Rec = Record<string, Json>;

function isRec(v: Json): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects the `type` names of a component and its nested sequences (pre_tokenizer, decoder, normalizer). */
function componentTypes(v: Json, out: Set<string>, depth = 0): Set<string> {
  if (depth > 8) return out;
  if (Array.isArray(v)) v.slice(0, 64).forEach((x) => componentTypes(x, out, depth + 1));
  else if (isRec(v)) {
    if (typeof v.type === 'string') out.add(v.type);
    if (v.type === 'Replace' && isRec(v.pattern) && v.pattern.String === '\u2581') out.add('Replace\u2581');
    for (const key of ['pretokenizers', 'decoders', 'normalizers']) if (key in v) componentTypes(v[key], out, depth + 1);
  }
  return out;
}

/** Byte-level (GPT-2 alphabet), SentencePiece-style (▁, <0xNN>) or plain unicode; the components say, else the tokens. */
export function detectStyle(root: Rec, sampleTokens: string[]): TokenStyle {
  const types = new Set<string>();
  componentTypes(root.pre_tokenizer, types);
  componentTypes(root.decoder, types);
  if (types.has('ByteLevel')) return 'byte-level';
  const model = isRec(root.model) ? root.model : {};
  if (types.has('Metaspace') || types.has('Replace\u2581') || model.byte_fallback === true || model.type === 'Unigram') return 'sentencepiece';
  return guessStyle(sampleTokens);
}

/** Counts the markers each style uses for a space. */
export function guessStyle(tokens: string[]): TokenStyle {
  let g = 0;
  let sp = 0;
  for (const t of tokens.slice(0, 20000)) {
    if (t.includes('\u0120') || t.includes('\u010a')) g++;
    if (t.includes('\u2581')) sp++;
  }
  if (g > sp && g > 10) return 'byte-level';
  if (sp > g && sp > 10) return 'sentencepiece';
  return 'unicode';
}

function checkToken(t: Json, where: string): string {
  if (typeof t !== 'string') throw new FormatError(`${where}: token is not a string`);
  if (t.length > MAX_TOKEN_CHARS) throw new FormatError(`${where}: token longer than ${MAX_TOKEN_CHARS} chars`);
  return t;
}

function checkId(v: Json, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_TOKENS * 4) throw new FormatError(`${where}: invalid id ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/** Raw vocabulary (token string by id) from `model.vocab` as an object {token: id} or a Unigram array [[piece, score]]. */
function rawVocab(vocab: Json): Map<number, string> {
  const byId = new Map<number, string>();
  if (Array.isArray(vocab)) {
    if (vocab.length > MAX_TOKENS) throw new FormatError(`model.vocab has more than ${MAX_TOKENS} entries`);
    vocab.forEach((e, i) => byId.set(i, checkToken(Array.isArray(e) ? e[0] : e, `model.vocab[${i}]`)));
  } else if (isRec(vocab)) {
    const entries = Object.entries(vocab);
    if (entries.length > MAX_TOKENS) throw new FormatError(`model.vocab has more than ${MAX_TOKENS} entries`);
    for (const [tok, id] of entries) {
      const i = checkId(id, `model.vocab[${JSON.stringify(tok.slice(0, 40))}]`);
      checkToken(tok, 'model.vocab');
      if (byId.has(i)) throw new FormatError(`model.vocab: id ${i} is used twice`);
      byId.set(i, tok);
    }
  } else throw new FormatError('model.vocab is missing or not an object/array');
  return byId;
}

function rawMerges(merges: Json): [string, string][] {
  if (merges === undefined || merges === null) return [];
  if (!Array.isArray(merges)) throw new FormatError('model.merges is not an array');
  if (merges.length > MAX_TOKENS) throw new FormatError(`model.merges has more than ${MAX_TOKENS} entries`);
  return merges.map((m, i) => {
    if (typeof m === 'string') {
      const sp = m.indexOf(' ');
      if (sp < 0) throw new FormatError(`model.merges[${i}]: no space in "${m.slice(0, 40)}"`);
      return [checkToken(m.slice(0, sp), `model.merges[${i}]`), checkToken(m.slice(sp + 1), `model.merges[${i}]`)];
    }
    if (Array.isArray(m) && m.length === 2) return [checkToken(m[0], `model.merges[${i}]`), checkToken(m[1], `model.merges[${i}]`)];
    throw new FormatError(`model.merges[${i}] is neither "a b" nor [a, b]`);
  });
}

function rawAdded(v: Json): AddedToken[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new FormatError('added_tokens is not an array');
  if (v.length > MAX_TOKENS) throw new FormatError('too many added_tokens');
  return v.map((a, i) => {
    if (!isRec(a)) throw new FormatError(`added_tokens[${i}] is not an object`);
    return { content: checkToken(a.content, `added_tokens[${i}].content`), id: checkId(a.id, `added_tokens[${i}].id`), special: a.special !== false };
  });
}

/** Assembles a Vocabulary: added tokens are taken out of the regular ids, everything is normalized to bytes. */
function assemble(format: Vocabulary['format'], style: TokenStyle, byId: Map<number, string>, merges: [string, string][], added: AddedToken[], breadcrumbs: Vocabulary['breadcrumbs']): Vocabulary {
  const addedAt = new Map(added.map((a) => [a.id, a.content]));
  const norm = style === 'raw-bytes' ? 'unicode' : style;
  let maxId = -1;
  for (const id of byId.keys()) if (id > maxId) maxId = id;
  const tokens: (string | undefined)[] = new Array(maxId + 1);
  const cache = new Map<string, string>();
  for (const [id, tok] of byId) {
    if (addedAt.get(id) === tok) continue;
    const key = normalizeToken(tok, norm);
    cache.set(tok, key);
    tokens[id] = key;
  }
  const normMerge = (t: string): string => cache.get(t) ?? normalizeToken(t, norm);
  return {
    format,
    style,
    tokens,
    added,
    merges: merges.map(([a, b]) => [normMerge(a), normMerge(b)]),
    breadcrumbs,
    warnings: [],
    files: [],
  };
}

/** tokenizer.json (already parsed). */
export function hfJsonToVocabulary(root: Json): Vocabulary {
  if (!isRec(root)) throw new FormatError('top level is not an object');
  if (!isRec(root.model)) throw new FormatError('no "model" object: not a Hugging Face tokenizer.json');
  const model = root.model;
  const byId = rawVocab(model.vocab);
  const merges = rawMerges(model.merges);
  const added = rawAdded(root.added_tokens);
  const sample: string[] = [];
  for (const t of byId.values()) if (sample.length < 20000) sample.push(t);
  const style = detectStyle(root, sample);
  const breadcrumbs: Vocabulary['breadcrumbs'] = {};
  if (typeof model.type === 'string') breadcrumbs.model_type = model.type;
  if (typeof model.byte_fallback === 'boolean') breadcrumbs.byte_fallback = model.byte_fallback;
  const pre = new Set<string>();
  componentTypes(root.pre_tokenizer, pre);
  if (pre.size) breadcrumbs.pre_tokenizer = [...pre].sort();
  const regex = findSplitRegex(root.pre_tokenizer);
  if (regex) breadcrumbs.pre_tokenizer_regex = regex.slice(0, 2000);
  return assemble('tokenizer.json', style, byId, merges, added, breadcrumbs);
}

function findSplitRegex(v: Json, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  if (Array.isArray(v)) {
    for (const x of v.slice(0, 64)) {
      const r = findSplitRegex(x, depth + 1);
      if (r) return r;
    }
  } else if (isRec(v)) {
    if (v.type === 'Split' && isRec(v.pattern) && typeof v.pattern.Regex === 'string') return v.pattern.Regex;
    if ('pretokenizers' in v) return findSplitRegex(v.pretokenizers, depth + 1);
  }
  return undefined;
}

/** vocab.json ({token: id}) + merges.txt (one "a b" per line, optional #version header): GPT-2 style byte-level BPE. */
export function vocabMergesToVocabulary(vocabJson: Json, mergesText: string | undefined): Vocabulary {
  const byId = rawVocab(vocabJson);
  const merges: [string, string][] = [];
  if (mergesText !== undefined) {
    const lines = mergesText.split('\n');
    if (lines.length > MAX_TOKENS) throw new FormatError(`merges.txt has more than ${MAX_TOKENS} lines`);
    lines.forEach((line, i) => {
      const l = line.replace(/\r$/, '');
      if (!l || (i === 0 && l.startsWith('#version'))) return;
      const sp = l.indexOf(' ');
      if (sp < 0) throw new FormatError(`merges.txt line ${i + 1}: no space`);
      merges.push([checkToken(l.slice(0, sp), `merges.txt line ${i + 1}`), checkToken(l.slice(sp + 1), `merges.txt line ${i + 1}`)]);
    });
  }
  const sample = [...byId.values()].slice(0, 20000);
  const style = guessStyle(sample) === 'sentencepiece' ? 'sentencepiece' : 'byte-level';
  return assemble('vocab+merges', style, byId, merges, [], {});
}

/** Token strings by id from a packed list (npm packages): regular tokens, specials named by predicate. */
export function tokenListToVocabulary(list: string[], style: 'byte-level' | 'sentencepiece', merges: [string, string][], isSpecial: (t: string, id: number) => boolean, extraAdded: AddedToken[] = []): Vocabulary {
  const byId = new Map<number, string>();
  const added: AddedToken[] = [];
  list.forEach((t, id) => {
    byId.set(id, t);
    if (isSpecial(t, id)) added.push({ content: t, id, special: true });
  });
  const v = assemble('packed', style, byId, merges, [...added, ...extraAdded], {});
  return v;
}
