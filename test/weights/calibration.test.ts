// Fixture 9: >= 30 independent models of the same architecture against one reference. Every tier must stay at its
// nominal false-positive rate: no T0 hit (constants are excluded), per-tensor T1 p-values roughly uniform, no
// component above NONE, T2 agreement at chance.
import { analyzeModel } from '../../src/weights/model';
import { compareWithReference, type RefComparison } from '../../src/weights/compare';
import { ReaderPool } from '../../src/weights/values';
import { llama, records, signatureOf, tmpDir, writeModel, removeTmp } from './helpers';

afterAll(() => removeTmp());

const SEEDS = 30;

describe('fixture 9: independent seeds (false-positive rate)', () => {
  const refDir = tmpDir('calib-ref');
  writeModel(refDir, llama('calib-reference'));
  const results: RefComparison[] = [];

  beforeAll(() => {
    const sig = signatureOf(refDir, 'org/calib');
    for (let s = 0; s < SEEDS; s++) {
      const dir = tmpDir(`calib-${s}`);
      writeModel(dir, llama(`independent-${s}`));
      const rec = records(dir);
      const pool = new ReaderPool();
      try {
        const m = analyzeModel(dir, rec.filter((f) => f.kind === 'weights').map((f) => f.path), rec.filter((f) => f.kind === 'config').map((f) => f.path), { hash: 'full', seed: `c${s}`, pool });
        // deep: T2 runs for every seed, so its false-positive rate is measured too
        results.push(compareWithReference(m, sig, { pool, nRefs: 1, deep: true }));
      } finally {
        pool.close();
      }
    }
  });

  test('no model reaches REVIEW or above, and no T0 hit', () => {
    expect(results).toHaveLength(SEEDS);
    const levels = results.map((r) => r.level);
    expect(levels.filter((l) => l !== 'NONE')).toEqual([]);
    expect(results.flatMap((r) => r.components.flatMap((c) => c.hashHits))).toHaveLength(0);
    expect(results.flatMap((r) => r.components.flatMap((c) => c.rowHits))).toHaveLength(0);
    expect(results.flatMap((r) => r.fileHits)).toHaveLength(0);
  });

  test('per-tensor T1 p-values are close to uniform (about 5% below 0.05, none below 1e-4)', () => {
    const ps = results.flatMap((r) => r.components.flatMap((c) => c.pairs.map((p) => p.log10p)));
    expect(ps.length).toBeGreaterThan(SEEDS * 15);
    const below05 = ps.filter((p) => p < Math.log10(0.05)).length / ps.length;
    const below50 = ps.filter((p) => p < Math.log10(0.5)).length / ps.length;
    expect(below05).toBeGreaterThan(0.005);
    expect(below05).toBeLessThan(0.1);
    expect(below50).toBeGreaterThan(0.3);
    expect(below50).toBeLessThan(0.65);
    expect(Math.min(...ps)).toBeGreaterThan(-4);
  });

  test('centred r has the null spread 1/sqrt(K), while raw cosine of the norm vectors is high', () => {
    const pairs = results.flatMap((r) => r.components.flatMap((c) => c.pairs));
    const big = pairs.filter((p) => p.k === 1024);
    const sd = Math.sqrt(big.reduce((s, p) => s + p.r * p.r, 0) / big.length);
    expect(sd).toBeGreaterThan(0.6 / Math.sqrt(1024));
    expect(sd).toBeLessThan(1.6 / Math.sqrt(1024));
    const norms = pairs.filter((p) => p.role.startsWith('norm'));
    expect(norms.reduce((s, p) => s + p.rawCos, 0) / norms.length).toBeGreaterThan(0.3);
  });

  test('T2 agreement stays at chance (~1/h per row)', () => {
    const sk = results.flatMap((r) => r.components.flatMap((c) => c.sketches));
    expect(sk.length).toBe(SEEDS * 2);
    const agree = sk.reduce((s, x) => s + x.agree, 0);
    const rows = sk.reduce((s, x) => s + x.rows, 0);
    expect(agree / rows).toBeLessThan(5 / 172);
    expect(Math.min(...sk.map((x) => x.log10p))).toBeGreaterThan(-6);
  });
});
