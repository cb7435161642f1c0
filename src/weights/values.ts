// Reading element values at positions, and rows, through positional reads only (bounded memory).
import { ELEMENT_SIZE, decodeInto, type DType } from './dtypes';
import { PositionalReader, WeightsFormatError } from './io';
import { storageIndex, type TensorRef } from './tensor';

/** Opens each file once; close() at the end. */
export class ReaderPool {
  private readers = new Map<string, PositionalReader>();
  get(t: { file: string; relFile: string }): PositionalReader {
    let r = this.readers.get(t.file);
    if (!r) {
      r = PositionalReader.open(t.file, t.relFile);
      this.readers.set(t.file, r);
    }
    return r;
  }
  close(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}

/** Gap (bytes) under which two sampled elements are fetched with one read; small, so sampled mode reads little. */
const COALESCE_GAP = 512;

function elemSize(t: TensorRef): number {
  if (t.dtype === 'QUANT') throw new WeightsFormatError(t.relFile, `tensor ${t.name} is quantized; values cannot be read`);
  return ELEMENT_SIZE[t.dtype as Exclude<DType, 'QUANT'>];
}

/** Values at flat (row-major) positions, in the order given. */
export function readValues(pool: ReaderPool, t: TensorRef, positions: readonly number[]): Float64Array {
  if (t.unreadable) throw new WeightsFormatError(t.relFile, `tensor ${t.name}: ${t.unreadable}`);
  const es = elemSize(t);
  const out = new Float64Array(positions.length);
  const order = positions.map((p, i) => [t.offset + storageIndex(t, p) * es, i] as [number, number]).sort((a, b) => a[0] - b[0]);
  if (t.inMemory) {
    for (const [off, i] of order) decodeInto(t.inMemory, off, t.dtype, 1, out, i);
    return out;
  }
  const r = pool.get(t);
  let g = 0;
  while (g < order.length) {
    let h = g + 1;
    while (h < order.length && order[h][0] - order[h - 1][0] < COALESCE_GAP && order[h][0] - order[g][0] < 1 << 20) h++;
    const start = order[g][0];
    const buf = r.read(start, order[h - 1][0] + es - start, `tensor ${t.name}`);
    for (let k = g; k < h; k++) decodeInto(buf, order[k][0] - start, t.dtype, 1, out, order[k][1]);
    g = h;
  }
  return out;
}

/** Calls fn for consecutive blocks of whole rows (last dim) of a row-major tensor; memory ~ blockBytes. */
export function forEachRowBlock(
  pool: ReaderPool, t: TensorRef, fn: (values: Float64Array, firstRow: number, rows: number) => void, blockBytes = 8 << 20,
): void {
  if (t.unreadable) throw new WeightsFormatError(t.relFile, `tensor ${t.name}: ${t.unreadable}`);
  const es = elemSize(t);
  const rowLen = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  const nRows = rowLen ? t.numel / rowLen : 0;
  const per = Math.max(1, Math.floor(blockBytes / Math.max(1, rowLen * es)));
  const rowMajor = !t.strides;
  for (let r0 = 0; r0 < nRows; r0 += per) {
    const n = Math.min(per, nRows - r0);
    let vals: Float64Array;
    if (rowMajor || t.inMemory) {
      if (t.inMemory && !rowMajor) {
        vals = readValues(pool, t, Array.from({ length: n * rowLen }, (_, i) => r0 * rowLen + i));
      } else {
        vals = new Float64Array(n * rowLen);
        const off = t.offset + r0 * rowLen * es;
        const buf = t.inMemory ? t.inMemory.subarray(off, off + n * rowLen * es) : pool.get(t).read(off, n * rowLen * es, `tensor ${t.name}`);
        decodeInto(buf, 0, t.dtype, n * rowLen, vals);
      }
    } else {
      vals = readValues(pool, t, Array.from({ length: n * rowLen }, (_, i) => r0 * rowLen + i));
    }
    fn(vals, r0, n);
  }
}
