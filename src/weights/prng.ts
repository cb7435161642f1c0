// Seeded randomness for sample positions, projections and test fixtures. Everything derives from strings, so a
// candidate recomputes exactly the positions a signature was built with (seed + shape + count).
import { createHash } from 'node:crypto';

export interface Rng {
  /** uniform u32 */
  u32(): number;
  /** uniform in [0, 1) with 53 bits */
  float(): number;
  /** standard normal */
  normal(): number;
  /** uniform integer in [0, n) for n up to 2^53 */
  int(n: number): number;
}

/** xoshiro128** seeded from the SHA-256 of `seed`. State in a typed array: keeps the hot loop monomorphic. */
export function rngFrom(seed: string): Rng {
  const h = createHash('sha256').update(seed).digest();
  const st = new Uint32Array(4);
  for (let i = 0; i < 4; i++) st[i] = h.readUInt32LE(4 * i);
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  let spare = NaN;
  const u32 = (): number => {
    const b = st[1];
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    st[2] ^= st[0];
    st[3] ^= b;
    st[1] = b ^ st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 11);
    return r;
  };
  const float = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  return {
    u32,
    float,
    int: (n: number) => Math.floor(float() * n),
    normal: () => {
      if (spare === spare) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = 0;
      while (u === 0) u = float();
      const v = float();
      const m = Math.sqrt(-2 * Math.log(u));
      spare = m * Math.sin(2 * Math.PI * v);
      return m * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * K distinct flat positions in [0, numel), in seeded random order. When K >= numel, all positions in order.
 * The seed string includes the shape so that tensors of one shape share positions whatever their names.
 */
export function samplePositions(seed: string, shape: readonly number[], numel: number, k: number): number[] {
  if (k >= numel) return Array.from({ length: numel }, (_, i) => i);
  const rng = rngFrom(`${seed}|pos|${shape.join('x')}|${k}`);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const p = rng.int(numel);
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}
