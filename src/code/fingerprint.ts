/**
 * Winnowing (Schleimer, Wilkerson, Aiken 2003) over 64-bit k-gram hashes of a normalized token stream.
 *
 * Guarantee: two streams that share a run of at least t = k + w - 1 tokens share at least one fingerprint;
 * runs shorter than k share none. The 64-bit hash is two independent 32-bit polynomial rolling hashes (Math.imul keeps
 * them exact in JS), each finished with a bijective mixer so the window minimum is uniformly distributed.
 */
export interface WinnowParams {
  k: number;
  w: number;
}

export const DEFAULT_PARAMS: WinnowParams = { k: 40, w: 20 };

export interface Fingerprints {
  hi: Uint32Array;
  lo: Uint32Array;
  /** Token index where the k-gram starts. */
  pos: Uint32Array;
  count: number;
}

const BASE_A = 0x01000193; // odd multipliers: invertible modulo 2^32
const BASE_B = 0x5bd1e995;

// Per-kind lane values: fixed pseudo-random words so that fingerprints are stable across runs and machines.
function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
const LANE_A = new Uint32Array(256).map((_, i) => splitmix32(i * 2 + 1));
const LANE_B = new Uint32Array(256).map((_, i) => splitmix32(i * 2 + 0x10001));

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function pow32(base: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, base);
  return r;
}

/** 64-bit hashes (hi, lo) of every k-gram of `kinds`; n - k + 1 of them. */
export function kgramHashes(kinds: Uint8Array, k: number): { hi: Uint32Array; lo: Uint32Array } {
  const n = kinds.length - k + 1;
  if (n <= 0) return { hi: new Uint32Array(0), lo: new Uint32Array(0) };
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const outA = pow32(BASE_A, k);
  const outB = pow32(BASE_B, k);
  let a = 0;
  let b = 0;
  for (let i = 0; i < kinds.length; i++) {
    const x = kinds[i];
    a = (Math.imul(a, BASE_A) + LANE_A[x]) | 0;
    b = (Math.imul(b, BASE_B) + LANE_B[x]) | 0;
    if (i >= k) {
      const y = kinds[i - k];
      a = (a - Math.imul(LANE_A[y], outA)) | 0;
      b = (b - Math.imul(LANE_B[y], outB)) | 0;
    }
    if (i >= k - 1) {
      hi[i - k + 1] = fmix32(a);
      lo[i - k + 1] = fmix32(b ^ 0x27d4eb2f);
    }
  }
  return { hi, lo };
}

/**
 * Selects fingerprints: in every window of w consecutive k-grams the minimum (rightmost on ties), recorded once
 * per run in which it stays the minimum. A stream shorter than one window still yields its minimum.
 */
export function winnow(kinds: Uint8Array, params: WinnowParams): Fingerprints {
  const { k, w } = params;
  const { hi, lo } = kgramHashes(kinds, k);
  const n = hi.length;
  const cap = n === 0 ? 0 : Math.ceil((2 * n) / (w + 1)) + w + 4;
  let outHi = new Uint32Array(cap);
  let outLo = new Uint32Array(cap);
  let outPos = new Uint32Array(cap);
  let count = 0;
  const emit = (i: number): void => {
    if (count === outHi.length) {
      const m = outHi.length * 2 + 8;
      const h2 = new Uint32Array(m); h2.set(outHi); outHi = h2;
      const l2 = new Uint32Array(m); l2.set(outLo); outLo = l2;
      const p2 = new Uint32Array(m); p2.set(outPos); outPos = p2;
    }
    outHi[count] = hi[i];
    outLo[count] = lo[i];
    outPos[count] = i;
    count++;
  };
  const less = (i: number, j: number): boolean => hi[i] < hi[j] || (hi[i] === hi[j] && lo[i] < lo[j]);
  if (n > 0) {
    const win = Math.min(w, n);
    let min = -1;
    for (let end = win - 1; end < n; end++) {
      const start = end - win + 1;
      if (min < start) {
        // The previous minimum left the window: rescan, taking the rightmost minimum.
        min = start;
        for (let i = start + 1; i <= end; i++) if (!less(min, i)) min = i;
        emit(min);
      } else if (!less(min, end)) {
        min = end;
        emit(min);
      }
    }
  }
  return { hi: outHi.subarray(0, count), lo: outLo.subarray(0, count), pos: outPos.subarray(0, count), count };
}
