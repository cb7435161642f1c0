import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAnalysis } from '../code/analyze';

/**
 * Per-file analysis cache, keyed by content: a second run, and the base side of a PR run, only analyze what changed.
 * The key covers the file's bytes and path, the parameters, and a hash of the analyzer's own compiled code, so a
 * changed tokenizer can never serve stale entries. Entries are written atomically (temp file + rename); an entry
 * that does not read back whole is a miss.
 */
const MAGIC = 0x53414331; // "SAC1"

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'scratch-audit');
}

let analyzerHash: string | undefined;

/** Hash of the compiled modules that decide an analysis (read once per thread). */
export function analyzerFingerprint(): string {
  if (analyzerHash) return analyzerHash;
  const h = createHash('sha256');
  const here = path.dirname(__dirname); // dist/ or src/
  for (const rel of ['code', 'detectors']) {
    const dir = path.join(here, rel);
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => /\.(js|ts)$/.test(n)).sort();
    } catch {
      /* absent folder: nothing to hash */
    }
    for (const n of names) h.update(n).update(fs.readFileSync(path.join(dir, n)));
  }
  return (analyzerHash = h.digest('hex'));
}

export function cacheKey(parts: { path: string; bytes: Uint8Array; k: number; w: number; repoDirs?: string[] }): string {
  const h = createHash('sha256');
  h.update(analyzerFingerprint()).update(`\0${parts.k},${parts.w}\0${parts.path}\0${parts.repoDirs ? parts.repoDirs.join('/') : '-'}\0`);
  h.update(parts.bytes);
  return h.digest('hex');
}

function entryPath(dir: string, key: string): string {
  return path.join(dir, key.slice(0, 2), `${key}.bin`);
}

type Arrays = Pick<CodeAnalysis, 'kinds' | 'lines' | 'raw' | 'fpHi' | 'fpLo' | 'fpPos'>;
const ARRAYS: (keyof Arrays)[] = ['kinds', 'lines', 'raw', 'fpHi', 'fpLo', 'fpPos'];

export function serialize(a: CodeAnalysis): Buffer {
  const { kinds, lines, raw, fpHi, fpLo, fpPos, ...rest } = a;
  const meta = Buffer.from(JSON.stringify({ ...rest, lengths: ARRAYS.map((k) => a[k].length) }));
  const pad = (4 - ((8 + meta.length) % 4)) % 4;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(meta.length, 4);
  const parts: Buffer[] = [head, meta, Buffer.alloc(pad)];
  for (const arr of [kinds, lines, raw, fpHi, fpLo, fpPos]) {
    const b = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    parts.push(b, Buffer.alloc((4 - (b.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

export function deserialize(buf: Buffer): CodeAnalysis | undefined {
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) return undefined;
  const metaLen = buf.readUInt32LE(4);
  if (8 + metaLen > buf.length) return undefined;
  let meta: Record<string, unknown> & { lengths: number[] };
  try {
    meta = JSON.parse(buf.subarray(8, 8 + metaLen).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(meta.lengths) || meta.lengths.length !== ARRAYS.length) return undefined;
  let off = 8 + metaLen;
  off += (4 - (off % 4)) % 4;
  const arrays: Partial<Arrays> = {};
  for (const [i, name] of ARRAYS.entries()) {
    const n = meta.lengths[i];
    const size = name === 'kinds' ? 1 : 4;
    if (!Number.isInteger(n) || n < 0 || off + n * size > buf.length) return undefined;
    // Copy out: the arrays are transferred to the main thread, which needs buffers of their own.
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + off, n * size).slice();
    (arrays as Record<string, Uint8Array | Uint32Array>)[name] = size === 1 ? bytes : new Uint32Array(bytes.buffer);
    off += n * size;
    off += (4 - (off % 4)) % 4;
  }
  const { lengths: _l, ...rest } = meta;
  return { ...(rest as unknown as Omit<CodeAnalysis, keyof Arrays>), ...(arrays as Arrays) };
}

export function readCached(dir: string, key: string): CodeAnalysis | undefined {
  try {
    return deserialize(fs.readFileSync(entryPath(dir, key)));
  } catch {
    return undefined;
  }
}

/** Writes an entry; a cache that cannot be written only costs speed, so errors are swallowed. */
export function writeCached(dir: string, key: string, a: CodeAnalysis): void {
  const file = entryPath(dir, key);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, serialize(a));
    fs.renameSync(tmp, file);
  } catch {
    /* read-only or full disk: run without caching this entry */
  }
}
