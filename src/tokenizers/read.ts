// File I/O for tokenizer readers: size limits, content sniffing, Git LFS pointers, errors that name the file.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hfJsonToVocabulary, vocabMergesToVocabulary } from './read-hf';
import { sentencePieceToVocabulary } from './read-sentencepiece';
import { looksLikeTiktoken, tiktokenToVocabulary } from './read-tiktoken';
import type { FileHash, Vocabulary } from './types';

/** Largest tokenizer file we read (real ones are ≤ ~35 MB); bounds memory on hostile input. */
export const MAX_TOKENIZER_BYTES = 100 * 1024 * 1024;

export class TokenizerReadError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export type TokenizerRead = { kind: 'vocabulary'; vocab: Vocabulary } | { kind: 'lfs-pointer'; sha256: string; size: number; file: FileHash };

/** Names discovery treats as tokenizer files. merges.txt is read together with its sibling vocab.json. */
export function isTokenizerFileName(name: string): boolean {
  const base = path.posix.basename(name.replace(/\\/g, '/')).toLowerCase();
  return (
    base === 'tokenizer.json' ||
    base === 'vocab.json' ||
    base.endsWith('.tiktoken') ||
    base === 'tokenizer.model' ||
    base === 'spiece.model' ||
    base === 'sentencepiece.bpe.model' ||
    base.endsWith('.spm') ||
    (base.endsWith('.model') && base.includes('token'))
  );
}

function readBounded(file: string): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new TokenizerReadError(file, `cannot stat (${(e as Error).message})`);
  }
  if (!st.isFile()) throw new TokenizerReadError(file, 'not a regular file');
  if (st.size > MAX_TOKENIZER_BYTES) throw new TokenizerReadError(file, `${st.size} bytes exceeds the ${MAX_TOKENIZER_BYTES}-byte limit for tokenizer files`);
  if (st.size === 0) throw new TokenizerReadError(file, 'empty file');
  return fs.readFileSync(file);
}

const LFS = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\n(?:[^\n]*\n)*?oid sha256:([0-9a-f]{64})\r?\nsize (\d+)/;

export function parseLfsPointer(buf: Buffer): { sha256: string; size: number } | undefined {
  if (buf.length > 1024) return undefined;
  const m = LFS.exec(buf.toString('utf8'));
  return m ? { sha256: m[1], size: Number(m[2]) } : undefined;
}

function fileHash(file: string, buf: Buffer): FileHash {
  return { name: path.basename(file), bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

function parseJson(file: string, buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new TokenizerReadError(file, `invalid JSON (${(e as Error).message.slice(0, 200)})`);
  }
}

/** Decides the format from the content, using the name only to pick among JSON shapes. */
function decode(file: string, buf: Buffer): Vocabulary {
  const base = path.basename(file).toLowerCase();
  let i = 0;
  while (i < buf.length && i < 64 && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09 || buf[i] === 0xef || buf[i] === 0xbb || buf[i] === 0xbf)) i++;
  if (buf[i] === 0x7b /* { */) {
    const root = parseJson(file, buf);
    // vocab.json may well hold a token spelled "model" (GPT-2 does): only an object there means tokenizer.json.
    const model = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).model : undefined;
    const isHf = typeof model === 'object' && model !== null;
    if (isHf || base !== 'vocab.json') return hfJsonToVocabulary(root);
    // A {token: id} map: vocab.json, merges.txt next to it when present.
    const mergesFile = path.join(path.dirname(file), 'merges.txt');
    let merges: string | undefined;
    if (fs.existsSync(mergesFile)) merges = readBounded(mergesFile).toString('utf8');
    return vocabMergesToVocabulary(root, merges);
  }
  const head = buf.subarray(0, 4096).toString('latin1');
  if (looksLikeTiktoken(head)) return tiktokenToVocabulary(buf.toString('latin1'));
  if (buf[0] === 0x0a /* field 1, length-delimited: ModelProto.pieces */) return sentencePieceToVocabulary(buf);
  throw new Error(`unrecognized tokenizer content${base.endsWith('.json') ? ' (JSON expected)' : ''}`);
}

/** Reads one tokenizer file. Never executes anything; throws TokenizerReadError naming the file and the problem. */
export function readTokenizerFile(file: string): TokenizerRead {
  const buf = readBounded(file);
  const lfs = parseLfsPointer(buf);
  if (lfs) return { kind: 'lfs-pointer', ...lfs, file: { name: path.basename(file), bytes: lfs.size, sha256: lfs.sha256 } };
  let vocab: Vocabulary;
  try {
    vocab = decode(file, buf);
  } catch (e) {
    if (e instanceof TokenizerReadError) throw e;
    throw new TokenizerReadError(file, (e as Error).message || String(e));
  }
  vocab.files = [fileHash(file, buf)];
  const regular = vocab.tokens.reduce((n, t) => (t === undefined ? n : n + 1), 0);
  if (regular === 0) throw new TokenizerReadError(file, 'no regular tokens');
  return { kind: 'vocabulary', vocab };
}

/** Like readTokenizerFile, but a Git LFS pointer is an error (signature building needs the bytes). */
export function readVocabulary(file: string): Vocabulary {
  const r = readTokenizerFile(file);
  if (r.kind === 'lfs-pointer') throw new TokenizerReadError(file, `Git LFS pointer (oid ${r.sha256.slice(0, 12)}…); fetch the real file first`);
  return r.vocab;
}
