// Per-tensor statistics (informational only: similar statistics come from similar recipes, not from copying) and
// the rules that exclude tensors from matching because independent models share them by construction.
import type { DType } from './dtypes';

export interface TensorStats {
  mean: number;
  std: number;
  absmean: number;
  min: number;
  max: number;
  /** Estimated L2 norm of the whole tensor (from the sample). */
  l2: number;
  zeroFraction: number;
  /** 1%, 25%, 50%, 75%, 99% */
  quantiles: number[];
  kurtosis: number;
  /** Number of values the statistics were computed from. */
  n: number;
}

const r6 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : 0);

export function sampleStats(v: Float64Array, numel: number): TensorStats {
  const n = v.length;
  if (!n) return { mean: 0, std: 0, absmean: 0, min: 0, max: 0, l2: 0, zeroFraction: 0, quantiles: [0, 0, 0, 0, 0], kurtosis: 0, n };
  let s = 0, a = 0, z = 0, sq = 0, mn = Infinity, mx = -Infinity;
  for (const x of v) {
    s += x;
    a += Math.abs(x);
    sq += x * x;
    if (x === 0) z++;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
  }
  const mean = s / n;
  let m2 = 0, m4 = 0;
  for (const x of v) {
    const d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  const sorted = Float64Array.from(v).sort();
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * (n - 1) + 0.5))];
  return {
    mean: r6(mean), std: r6(Math.sqrt(m2)), absmean: r6(a / n), min: r6(mn), max: r6(mx),
    l2: r6(Math.sqrt((sq / n) * numel)), zeroFraction: r6(z / n), quantiles: [0.01, 0.25, 0.5, 0.75, 0.99].map((p) => r6(q(p))),
    kurtosis: r6(m2 > 0 ? m4 / (m2 * m2) : 0), n,
  };
}

/** Tensors smaller than this are never compared: too little information, too many accidental matches. */
export const TINY_NUMEL = 64;
/** T0 hash matches decide CONCLUSIVE only for tensors at least this large ("non-trivial"). */
export const NONTRIVIAL_NUMEL = 1024;

const DETERMINISTIC = /(inv_freq|position_ids|token_type_ids|rotary|masked_bias|\.attn\.bias$|(^|\.)mask$|causal_mask|num_batches_tracked|cos_cached|sin_cached|_float_tensor)/i;

/**
 * Why a tensor is excluded from matching, or undefined. `sample` holds values at seeded positions; `ordered` the
 * same values ordered by position (to spot arithmetic/geometric sequences such as rotary frequencies).
 */
export function exclusionReason(name: string, dtype: DType, numel: number, sample: Float64Array | undefined, ordered?: Float64Array): string | undefined {
  if (DETERMINISTIC.test(name)) return 'deterministic (buffer computed from the architecture)';
  if (numel < TINY_NUMEL) return `tiny (${numel} elements)`;
  if (dtype === 'BOOL' || dtype.startsWith('I') || dtype.startsWith('U')) return `integer buffer (${dtype})`;
  if (!sample || !sample.length) return undefined;
  const distinct = new Set<number>();
  for (const x of sample) {
    distinct.add(x);
    if (distinct.size > 2) break;
  }
  if (distinct.size === 1) return `constant (all ${sample[0]})`;
  if (distinct.size === 2 && sample.length >= 32) return 'two distinct values (mask-like)';
  if (ordered && ordered.length >= 8) {
    let up = true, down = true;
    for (let i = 1; i < ordered.length; i++) {
      if (ordered[i] < ordered[i - 1]) up = false;
      if (ordered[i] > ordered[i - 1]) down = false;
    }
    if (up || down) return 'deterministic (monotonic sequence)';
  }
  return undefined;
}
