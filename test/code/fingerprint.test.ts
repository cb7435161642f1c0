import { kgramHashes, winnow } from '../../src/code/fingerprint';

/** Deterministic pseudo-random token kinds (xorshift), so the property tests are reproducible. */
function randomKinds(n: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = 7 + (s % 100);
  }
  return out;
}

function hashesOf(f: { hi: Uint32Array; lo: Uint32Array }): Set<string> {
  return new Set(Array.from(f.hi, (h, i) => `${h}:${f.lo[i]}`));
}

function shared(a: Uint8Array, b: Uint8Array, k: number, w: number): number {
  const ha = hashesOf(winnow(a, { k, w }));
  return [...hashesOf(winnow(b, { k, w }))].filter((h) => ha.has(h)).length;
}

describe('winnowing', () => {
  const k = 40;
  const w = 20;
  const t = k + w - 1;

  test('a shared run of t = k + w - 1 tokens always yields a common fingerprint', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const run = randomKinds(t, seed * 7919);
      const a = new Uint8Array([...randomKinds(150, seed), ...run, ...randomKinds(120, seed + 1000)]);
      const b = new Uint8Array([...randomKinds(90, seed + 2000), ...run, ...randomKinds(70, seed + 3000)]);
      expect(shared(a, b, k, w)).toBeGreaterThan(0);
    }
  });

  test('a shared run shorter than k never yields a common fingerprint', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const run = randomKinds(k - 1, seed * 104729);
      const a = new Uint8Array([...randomKinds(200, seed + 5000), ...run, ...randomKinds(200, seed + 6000)]);
      const b = new Uint8Array([...randomKinds(200, seed + 7000), ...run, ...randomKinds(200, seed + 8000)]);
      expect(shared(a, b, k, w)).toBe(0);
    }
  });

  test('density is close to 2 / (w + 1) and every window holds a fingerprint', () => {
    const kinds = randomKinds(200000, 42);
    const f = winnow(kinds, { k, w });
    const density = f.count / (kinds.length - k + 1);
    expect(density).toBeGreaterThan(1.8 / (w + 1));
    expect(density).toBeLessThan(2.2 / (w + 1));
    for (let i = 1; i < f.count; i++) expect(f.pos[i] - f.pos[i - 1]).toBeLessThanOrEqual(w);
  });

  test('is deterministic and position-independent: the same k-gram hashes the same anywhere', () => {
    const run = randomKinds(k, 9);
    const a = kgramHashes(new Uint8Array([...randomKinds(10, 1), ...run]), k);
    const b = kgramHashes(new Uint8Array([...run, ...randomKinds(30, 2)]), k);
    expect([a.hi[10], a.lo[10]]).toEqual([b.hi[0], b.lo[0]]);
    expect(winnow(run, { k, w })).toEqual(winnow(Uint8Array.from(run), { k, w }));
  });

  test('a stream shorter than k has no fingerprint; one shorter than a window still has its minimum', () => {
    expect(winnow(randomKinds(k - 1, 3), { k, w }).count).toBe(0);
    expect(winnow(randomKinds(k + 5, 3), { k, w }).count).toBe(1);
  });

  test('the two 32-bit lanes are independent (no systematic equality)', () => {
    const { hi, lo } = kgramHashes(randomKinds(5000, 11), k);
    let equal = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] === lo[i]) equal++;
    expect(equal).toBe(0);
    expect(new Set(hi).size).toBeGreaterThan(hi.length * 0.99);
  });
});
