// T2: permutation-robust row sketches (Zhu et al.'s "match" idea, on weights). A reference stores, for a few probe
// layers, Rademacher projections of m seeded rows of the MLP gate and up matrices. The candidate sketches all its
// rows; for each reference row we find the best-matching candidate neuron in gate and in up separately. If the models
// are independent the two choices agree with probability ~1/h; a hidden-unit permutation keeps them agreeing.
import { rngFrom } from './prng';
import type { ReaderPool } from './values';
import { forEachRowBlock } from './values';
import type { TensorRef } from './tensor';
import { log10BinomUpper } from './pvalues';

export const SKETCH_K = 64;
export const SKETCH_ROWS = 128;
export const SKETCH_LAYERS = 4;

export interface RowSketch {
  component: string;
  layer: number;
  /** Rows (neurons) and input width of the gate/up matrices. */
  h: number;
  d: number;
  rows: number[];
  /** int8 (value * 127 of the unit-normalized sketch), base64, rows x SKETCH_K. */
  gate: string;
  up: string;
}

/** k x d matrix of +-1, from the signature seed and d only (so the candidate rebuilds it). */
export function projection(seed: string, d: number, k = SKETCH_K): Float32Array {
  const rng = rngFrom(`${seed}|proj|${d}|${k}`);
  const p = new Float32Array(k * d);
  for (let i = 0; i < p.length; i += 32) {
    const bits = rng.u32();
    for (let b = 0; b < 32 && i + b < p.length; b++) p[i + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return p;
}

/** Unit-normalized sketch of one row. */
export function sketchRow(row: Float64Array | Float32Array, off: number, d: number, proj: Float32Array, out: Float32Array, outOff: number): void {
  const k = proj.length / d;
  let norm = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    const po = j * d;
    for (let i = 0; i < d; i++) s += proj[po + i] * row[off + i];
    out[outOff + j] = s;
    norm += s * s;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < k; j++) out[outOff + j] *= inv;
}

/** Sketches of all rows of a 2-D tensor (streamed in row blocks). */
export function sketchAllRows(pool: ReaderPool, t: TensorRef, proj: Float32Array): Float32Array {
  const [h, d] = t.shape;
  const k = proj.length / d;
  const out = new Float32Array(h * k);
  forEachRowBlock(pool, t, (vals, first, n) => {
    for (let r = 0; r < n; r++) sketchRow(vals, r * d, d, proj, out, (first + r) * k);
  });
  return out;
}

export function encodeInt8(s: Float32Array): string {
  const b = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) b.writeInt8(Math.max(-127, Math.min(127, Math.round(s[i] * 127))), i);
  return b.toString('base64');
}

export function decodeInt8(s: string, k = SKETCH_K): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += k) {
    let n = 0;
    for (let j = 0; j < k; j++) n += b.readInt8(i + j) ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < k; j++) out[i + j] = b.readInt8(i + j) * inv;
  }
  return out;
}

function bestMatch(ref: Float32Array, ri: number, cand: Float32Array, k: number): { idx: number; cos: number } {
  let best = -1;
  let bestCos = -Infinity;
  const h = cand.length / k;
  for (let c = 0; c < h; c++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += ref[ri * k + j] * cand[c * k + j];
    if (s > bestCos) {
      bestCos = s;
      best = c;
    }
  }
  return { idx: best, cos: bestCos };
}

export interface SketchMatch {
  layer: number;
  rows: number;
  agree: number;
  candidateRows: number;
  meanBestCos: number;
  log10p: number;
}

/** Agreement test for one layer: candidate gate/up sketches vs the reference's. */
export function matchSketch(ref: RowSketch, candGate: Float32Array, candUp: Float32Array): SketchMatch {
  const rg = decodeInt8(ref.gate);
  const ru = decodeInt8(ref.up);
  const m = ref.rows.length;
  const hc = candGate.length / SKETCH_K;
  let agree = 0;
  let cosSum = 0;
  for (let i = 0; i < m; i++) {
    const g = bestMatch(rg, i, candGate, SKETCH_K);
    const u = bestMatch(ru, i, candUp, SKETCH_K);
    if (g.idx === u.idx) agree++;
    cosSum += (g.cos + u.cos) / 2;
  }
  return { layer: ref.layer, rows: m, agree, candidateRows: hc, meanBestCos: cosSum / m, log10p: log10BinomUpper(agree, m, 1 / hc) };
}
