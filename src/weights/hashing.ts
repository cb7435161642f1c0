// Exact hashes: whole files (= Git-LFS oid) and tensors in three forms, so dtype round trips still match:
//   raw  - the stored bytes;
//   f32  - values as little-endian f32 (F32: = raw; F16: upcast, exact);
//   bf16 - values rounded to bf16 (BF16: = raw; F32/F16/F64: round to nearest even).
// A bf16->f32 upcast therefore matches on bf16, an f32->bf16 cast on bf16, an f16->f32 upcast on f32.
// Embedding-like tensors also get one short hash per row (bf16 form), to find copied rows after re-indexing.
// One sequential read per file feeds the file hash and every tensor hasher (full mode reads each byte once).
import { createHash, type Hash } from 'node:crypto';
import { ELEMENT_SIZE, f16ToF32Table, toBf16Bits, type DType } from './dtypes';
import { type PositionalReader } from './io';
import { ParallelFileHasher } from './file-hash-worker';
import { type TensorRef } from './tensor';
import { forEachRowBlock, type ReaderPool } from './values';

export interface TensorHashes {
  raw?: string;
  f32?: string;
  bf16?: string;
  /** Per-row 64-bit hashes (hex) of the bf16 form; '' for constant rows (padding, untrained). */
  rows?: string[];
}

export const HASH_HEX = 32; // 128 bits

const hex = (h: Hash, n = HASH_HEX) => h.digest('hex').slice(0, n);

class TensorHasher {
  private raw = createHash('sha256');
  private f32?: Hash;
  private bf16?: Hash;
  private carry = Buffer.alloc(0);
  private readonly es: number;
  private row?: { len: number; inRow: number; h: Hash; first: number; constant: boolean; out: string[] };

  constructor(
    private readonly dtype: DType,
    rowLen?: number,
  ) {
    this.es = dtype === 'QUANT' ? 1 : ELEMENT_SIZE[dtype];
    if (dtype === 'F16') this.f32 = createHash('sha256');
    if (dtype === 'F32' || dtype === 'F16' || dtype === 'F64') this.bf16 = createHash('sha256');
    const float = dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
    if (rowLen && float) this.row = { len: rowLen, inRow: 0, h: createHash('sha256'), first: NaN, constant: true, out: [] };
  }

  feed(chunk: Buffer): void {
    this.raw.update(chunk);
    if (!this.f32 && !this.bf16 && !this.row) return;
    let data = chunk;
    if (this.carry.length) data = Buffer.concat([this.carry, chunk]);
    const whole = data.length - (data.length % this.es);
    this.carry = Buffer.from(data.subarray(whole));
    if (whole === 0) return;
    const body = data.subarray(0, whole);
    const bf = this.dtype === 'BF16' ? body : toBf16Buffer(body, this.dtype);
    if (this.bf16) this.bf16.update(bf);
    if (this.f32) this.f32.update(f16ToF32Buffer(body));
    if (this.row) this.feedRows(bf);
  }

  private feedRows(bf: Buffer): void {
    const row = this.row!;
    const n = bf.length / 2;
    let i = 0;
    while (i < n) {
      const take = Math.min(n - i, row.len - row.inRow);
      const part = bf.subarray(2 * i, 2 * (i + take));
      row.h.update(part);
      if (row.constant) {
        // constant iff every element equals its neighbour (a memcmp) and the first equals the row's first
        if (row.inRow === 0) row.first = part.readUInt16LE(0);
        if (part.readUInt16LE(0) !== row.first || !part.subarray(2).equals(part.subarray(0, part.length - 2))) row.constant = false;
      }
      row.inRow += take;
      i += take;
      if (row.inRow === row.len) {
        const d = row.h.digest('hex').slice(0, 16);
        row.out.push(row.constant ? '' : d);
        row.h = createHash('sha256');
        row.inRow = 0;
        row.constant = true;
      }
    }
  }

  finish(): TensorHashes {
    const raw = hex(this.raw);
    return {
      raw,
      f32: this.dtype === 'F32' ? raw : this.f32 ? hex(this.f32) : undefined,
      bf16: this.dtype === 'BF16' ? raw : this.bf16 ? hex(this.bf16) : undefined,
      rows: this.row?.out,
    };
  }
}

function aligned(buf: Buffer, align: number): Buffer {
  if (buf.byteOffset % align === 0) return buf;
  const c = Buffer.allocUnsafe(buf.length);
  buf.copy(c);
  return c;
}

export function toBf16Buffer(body: Buffer, dtype: DType): Buffer {
  const out = Buffer.allocUnsafe((body.length / ELEMENT_SIZE[dtype as 'F32']) * 2);
  const o16 = new Uint16Array(out.buffer, out.byteOffset, out.length / 2);
  if (dtype === 'F32') {
    const a = aligned(body, 4);
    const u = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
    for (let i = 0; i < u.length; i++) {
      const b = u[i];
      o16[i] = (b & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    }
  } else if (dtype === 'F16') {
    const t = f16ToF32Table();
    for (let i = 0; i < o16.length; i++) o16[i] = toBf16Bits(t[body.readUInt16LE(2 * i)]);
  } else if (dtype === 'F64') {
    for (let i = 0; i < o16.length; i++) o16[i] = toBf16Bits(body.readDoubleLE(8 * i));
  } else throw new Error(`no bf16 form for ${dtype}`);
  return out;
}

function f16ToF32Buffer(body: Buffer): Buffer {
  const t = f16ToF32Table();
  const out = Buffer.allocUnsafe(body.length * 2);
  const f = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
  for (let i = 0; i < f.length; i++) f[i] = t[body.readUInt16LE(2 * i)];
  return out;
}

export interface FileHashResult {
  sha256: string; // full 64 hex: comparable with Git-LFS oids
  tensors: Map<TensorRef, TensorHashes>;
}

/** Tensors for which row hashes are wanted (embeddings, lm_head). */
export type RowPredicate = (t: TensorRef) => boolean;

/** Files at least this large get their whole-file SHA-256 computed in a worker thread, in parallel. */
export const PARALLEL_MIN_BYTES = 64 << 20;

/** One sequential pass over the file: file hash + hashes of the dense row-major tensors stored in it. */
export function hashFileFull(r: PositionalReader, tensors: TensorRef[], wantRows: RowPredicate, chunkBytes = 8 << 20): FileHashResult {
  const dense = tensors.filter((t) => t.file === r.path && !t.inMemory && !t.strides).sort((a, b) => a.offset - b.offset);
  const hashers = new Map<TensorRef, TensorHasher>();
  for (const t of dense) hashers.set(t, new TensorHasher(t.dtype, wantRows(t) ? t.shape[t.shape.length - 1] : undefined));
  const size = Math.min(chunkBytes, Math.max(1, r.size));
  const parallel = r.size >= PARALLEL_MIN_BYTES ? new ParallelFileHasher(size) : undefined;
  const fileHash = parallel ? undefined : createHash('sha256');
  const own = parallel ? undefined : Buffer.allocUnsafe(size);
  let i0 = 0;
  try {
    for (let pos = 0; pos < r.size; pos += size) {
      const n = Math.min(size, r.size - pos);
      const buf = parallel ? parallel.nextSlot() : own!;
      r.readInto(buf, 0, n, pos);
      const chunk = buf.subarray(0, n);
      if (parallel) parallel.submit(n);
      else fileHash!.update(chunk);
      // The worker reads the slot concurrently; we only read it too, and the slot is not reused until it is done.
      const end = pos + n;
      while (i0 < dense.length && dense[i0].offset + dense[i0].byteLength <= pos) i0++;
      for (let i = i0; i < dense.length && dense[i].offset < end; i++) {
        const t = dense[i];
        const a = Math.max(pos, t.offset);
        const b = Math.min(end, t.offset + t.byteLength);
        if (b > a) hashers.get(t)!.feed(chunk.subarray(a - pos, b - pos));
      }
    }
  } catch (e) {
    parallel?.abort();
    throw e;
  }
  const out = new Map<TensorRef, TensorHashes>();
  for (const [t, h] of hashers) out.set(t, h.finish());
  return { sha256: parallel ? parallel.digest() : fileHash!.digest('hex'), tensors: out };
}

/** Hashes of a tensor that the file pass cannot stream (strided views, in-memory, external files). */
export function hashTensorAlone(pool: ReaderPool, t: TensorRef, rows: boolean): TensorHashes | undefined {
  if (t.unreadable && t.dtype !== 'QUANT') return undefined;
  const h = new TensorHasher(t.dtype, rows ? t.shape[t.shape.length - 1] : undefined);
  if (!t.strides) {
    const r = t.inMemory ? undefined : pool.get(t);
    const step = 8 << 20;
    for (let off = 0; off < t.byteLength; off += step) {
      const n = Math.min(step, t.byteLength - off);
      h.feed(t.inMemory ? t.inMemory.subarray(t.offset + off, t.offset + off + n) : r!.read(t.offset + off, n, `tensor ${t.name}`));
    }
    return h.finish();
  }
  // Strided view: re-encode decoded values in row-major order (exact for the float types we support).
  if (!['F32', 'BF16', 'F16', 'F64'].includes(t.dtype)) return undefined;
  forEachRowBlock(pool, t, (vals) => h.feed(encode(vals, t.dtype)));
  return h.finish();
}

function encode(vals: Float64Array, dtype: DType): Buffer {
  const es = ELEMENT_SIZE[dtype as 'F32'];
  const b = Buffer.allocUnsafe(vals.length * es);
  for (let i = 0; i < vals.length; i++) {
    if (dtype === 'F32') b.writeFloatLE(vals[i], 4 * i);
    else if (dtype === 'F64') b.writeDoubleLE(vals[i], 8 * i);
    else if (dtype === 'BF16') b.writeUInt16LE(toBf16Bits(vals[i]), 2 * i);
    else b.writeUInt16LE(f16BitsExact(vals[i]), 2 * i);
  }
  return b;
}

let f16Inverse: Map<number, number> | undefined;
function f16BitsExact(v: number): number {
  if (!f16Inverse) {
    f16Inverse = new Map();
    const t = f16ToF32Table();
    for (let i = 65535; i >= 0; i--) if (!Number.isNaN(t[i])) f16Inverse.set(t[i], i);
  }
  return f16Inverse.get(v) ?? 0x7e00;
}

/** Streams a whole file through SHA-256 (for files without tensors we understand). */
export function sha256File(r: PositionalReader, chunkBytes = 8 << 20): string {
  return hashFileFull(r, [], () => false, chunkBytes).sha256;
}
