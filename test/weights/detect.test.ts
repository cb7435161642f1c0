// End-to-end detection on the synthetic fixtures of research notes §6.4 (1-8, 10-12). Fixture 9 (30 seeds) is in
// calibration.test.ts, 13 (hostile files) in hostile.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel } from '../../src/weights/model';
import { compareWithReference, type RefComparison } from '../../src/weights/compare';
import { detectWeights } from '../../src/weights/index';
import { ReaderPool } from '../../src/weights/values';
import { rngFrom } from '../../src/weights/prng';
import {
  castModel, fineTune, llama, mapModel, merge, records, signatureOf, tensor, tmpDir, visual, writeModel, type Model, type T, removeTmp,
} from './helpers';

afterAll(() => removeTmp());

const base = tmpDir('base');
const BASE = llama('base');
writeModel(base, BASE);
const ref = () => signatureOf(base, 'org/base-model');

async function detect(dir: string, opts: Parameters<typeof detectWeights>[3] = {}, refs = [ref()]) {
  return detectWeights(dir, records(dir), refs, opts);
}

/** Lower-level comparison, to assert on per-tensor results. */
function compare(dir: string, deep = false, hash: 'full' | 'sampled' = 'full'): RefComparison {
  const pool = new ReaderPool();
  try {
    const rec = records(dir);
    const m = analyzeModel(dir, rec.filter((f) => f.kind === 'weights').map((f) => f.path), rec.filter((f) => f.kind === 'config').map((f) => f.path), { hash, seed: 'cand', pool });
    return compareWithReference(m, ref(), { pool, nRefs: 1, deep });
  } finally {
    pool.close();
  }
}

const comp = (c: RefComparison, name: string) => c.components.find((x) => x.component === name)!;
const nonTrivialCount = (m: Model) => [...m].filter(([n, t]) => !n.includes('inv_freq') && t.values.length >= 1024).length;

describe('fixture 1: copies', () => {
  test('byte copy: file hash and every non-trivial tensor hash match; gate FAIL', async () => {
    const dir = tmpDir('copy');
    fs.copyFileSync(path.join(base, 'model.safetensors'), path.join(dir, 'model.safetensors'));
    const r = await detect(dir);
    expect(r.gate.status).toBe('FAIL');
    expect(r.gate.checkedAgainst).toBe('compared with 1 registered reference: org/base-model@r1');
    const fileHit = r.findings.find((f) => f.method === 'weights-hash' && f.details?.sha256);
    expect(fileHit?.strength).toBe('conclusive');
    const c = compare(dir);
    const hits = c.components.flatMap((x) => x.hashHits).filter((h) => h.nontrivial && h.kind === 'raw');
    expect(hits.length).toBe(nonTrivialCount(BASE));
  });

  test('re-sharded into 2 files + index.json, and renamed tensors: T0 hits on all tensors', async () => {
    const dir = tmpDir('reshard');
    writeModel(dir, BASE, { shards: 2, rename: (n) => n.replace('model.', 'transformer.').replace('mlp.', 'ffn_block.') });
    const c = compare(dir);
    const hits = c.components.flatMap((x) => x.hashHits);
    expect(hits.filter((h) => h.nontrivial).length).toBe(nonTrivialCount(BASE));
    expect(c.fileHits).toHaveLength(0);
    const r = await detect(dir);
    expect(r.gate.status).toBe('FAIL');
    expect(r.findings.some((f) => f.method === 'weights-hash' && f.strength === 'conclusive')).toBe(true);
  });

  test('sampled mode (no full hashing) still finds an exact copy by bit-equality', async () => {
    const dir = tmpDir('sampled');
    writeModel(dir, BASE, { shards: 3 });
    const r = await detect(dir, { hash: 'sampled' });
    expect(r.gate.status).toBe('FAIL');
    const f = r.findings.find((x) => x.kind === 'weights' && x.strength === 'conclusive')!;
    expect(f.method).toBe('weights-statistical');
    expect(String(f.message)).toMatch(/bit-identical/);
  });
});

describe('fixture 2: dtype round trips', () => {
  test('bf16 -> fp32 upcast matches on the bf16 hash', () => {
    const dir = tmpDir('up');
    writeModel(dir, castModel(BASE, 'F32'));
    const hits = compare(dir).components.flatMap((x) => x.hashHits).filter((h) => h.nontrivial);
    expect(hits.length).toBe(nonTrivialCount(BASE));
    expect(new Set(hits.map((h) => h.kind))).toEqual(new Set(['bf16']));
  });

  test('fp32 reference -> bf16 candidate matches on the rounded hash', async () => {
    const refDir = tmpDir('f32ref');
    const f32 = llama('f32base', { dtype: 'F32' });
    writeModel(refDir, f32);
    const sig = signatureOf(refDir, 'org/f32');
    const dir = tmpDir('f32tobf16');
    writeModel(dir, castModel(f32, 'BF16'));
    const r = await detectWeights(dir, records(dir), [sig], {});
    expect(r.gate.status).toBe('FAIL');
    const f = r.findings.find((x) => x.strength === 'conclusive' && x.method === 'weights-hash')!;
    expect((f.details!.hashHits as { hash: string }[]).every((h) => h.hash === 'bf16')).toBe(true);
  });

  test('bf16 -> fp16: no hash, but T1 finds r ~ 1 and bit-equality on the bf16 grid', () => {
    const dir = tmpDir('f16');
    writeModel(dir, castModel(BASE, 'F16'));
    const c = compare(dir);
    const bb = comp(c, 'language-backbone');
    expect(bb.pairs.length).toBeGreaterThan(10);
    expect(bb.medianR).toBeGreaterThan(0.99);
    expect(['STRONG', 'CONCLUSIVE']).toContain(bb.level);
  });
});

describe('fixture 3: fine-tune noise W + eps*sigma*N(0,1)', () => {
  const levels: Record<string, string> = {};
  const medR: Record<string, number> = {};
  const run = (eps: number) => {
    const dir = tmpDir(`ft${eps}`);
    writeModel(dir, fineTune(BASE, eps, `e${eps}`));
    const c = compare(dir);
    levels[eps] = c.level;
    medR[eps] = comp(c, 'language-backbone').medianR;
    return c;
  };
  test.each([0.001, 0.01, 0.1, 0.5, 1])('eps=%p is at least STRONG (r >= 0.71)', (eps) => {
    const c = run(eps);
    expect(['STRONG', 'CONCLUSIVE']).toContain(c.level);
    expect(comp(c, 'language-backbone').pairs.filter((p) => p.role.startsWith('mlp')).every((p) => p.r > 0.6)).toBe(true);
  });
  test('tiny eps (0.001) keeps most bf16 values bit-identical: CONCLUSIVE by equality', () => {
    const c = run(0.001);
    expect(c.level).toBe('CONCLUSIVE');
  });
  test('eps=3 (r ~ 0.32) sits on the STRONG/REVIEW boundary: never NONE', () => {
    const c = run(3);
    expect(['STRONG', 'REVIEW']).toContain(c.level);
  });
  test('eps=10 (r ~ 0.1): at most REVIEW at fixture size (documented limit), never STRONG', () => {
    const c = run(10);
    expect(['REVIEW', 'NONE']).toContain(c.level);
  });
  test('gate: FAIL for eps=1, and the finding prints tensors, r, equal counts, p and the null', async () => {
    const dir = tmpDir('ft1gate');
    writeModel(dir, fineTune(BASE, 1, 'gate'));
    const r = await detect(dir);
    expect(r.gate.status).toBe('FAIL');
    const f = r.findings.find((x) => x.method === 'weights-statistical' && x.strength === 'strong')!;
    expect(f.upstream).toMatchObject({ project: 'org/base-model', version: 'r1', category: 'model-implementation' });
    const t = (f.details!.tensors as Record<string, unknown>[])[0];
    expect(t).toHaveProperty('r');
    expect(t).toHaveProperty('equal');
    expect(t).toHaveProperty('p');
    expect(String(f.details!.nullUsed)).toMatch(/cyclic shifts/);
    expect(f.message).toMatch(/shared initialization/);
    expect(f.parameters).toBeGreaterThan(90000);
  });
});

describe('fixture 4: LoRA merge, scaling, pruning', () => {
  test('rank-8 LoRA merged into every matrix: detected', () => {
    const rng = rngFrom('lora');
    const m = mapModel(BASE, (name, t) => {
      if (t.shape.length !== 2) return t;
      const [o, i] = t.shape;
      const B = Float64Array.from({ length: o * 8 }, () => rng.normal());
      const A = Float64Array.from({ length: 8 * i }, () => rng.normal());
      const scale = 0.02 * 0.3 / Math.sqrt(8); // delta ~ 30% of the weight scale
      return tensor(t.dtype, t.shape, (k) => {
        const r = Math.floor(k / i), c = k % i;
        let s = 0;
        for (let j = 0; j < 8; j++) s += B[r * 8 + j] * A[j * i + c];
        return t.values[k] + scale * s;
      });
    });
    const dir = tmpDir('lora');
    writeModel(dir, m);
    expect(['STRONG', 'CONCLUSIVE']).toContain(compare(dir).level);
  });

  test('q/k scaled by c and 1/c (function unchanged): no hash, but scale-invariant r finds it', () => {
    const m = mapModel(BASE, (name, t) =>
      name.includes('q_proj') ? tensor(t.dtype, t.shape, (i) => t.values[i] * 2.5) : name.includes('k_proj') ? tensor(t.dtype, t.shape, (i) => t.values[i] / 2.5) : t,
    );
    const dir = tmpDir('scaled');
    writeModel(dir, m);
    const c = compare(dir);
    const q = comp(c, 'language-backbone').pairs.filter((p) => p.role === 'attn_q');
    expect(q.every((p) => p.r > 0.99)).toBe(true);
    expect(comp(c, 'language-backbone').hashHits.some((h) => h.cand.includes('q_proj'))).toBe(false);
    expect(['STRONG', 'CONCLUSIVE']).toContain(c.level);
  });

  test('1% magnitude pruning: still conclusive', () => {
    const m = mapModel(BASE, (name, t) => {
      if (t.shape.length !== 2) return t;
      const cut = Float64Array.from(t.values, Math.abs).sort()[Math.floor(t.values.length * 0.01)];
      return tensor(t.dtype, t.shape, (i) => (Math.abs(t.values[i]) < cut ? 0 : t.values[i]));
    });
    const dir = tmpDir('pruned');
    writeModel(dir, m);
    expect(compare(dir).level).toBe('CONCLUSIVE');
  });
});

/** A permutation without fixed points (a single cycle): a random permutation leaves rows in place, which T1 rightly
 * catches by bit-equality; the adversarial case of fixtures 5 and 6 moves every unit. */
function derangement(n: number, seed: string): number[] {
  const rng = rngFrom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const p = new Array<number>(n);
  for (let i = 0; i < n; i++) p[order[i]] = order[(i + 1) % n];
  return p;
}

/** SwiGLU MLP forward pass, to check that permutations preserve the function. */
function mlpForward(m: Model, layer: number, x: Float64Array): Float64Array {
  const p = `model.layers.${layer}.mlp.`;
  const g = m.get(p + 'gate_proj.weight')!, u = m.get(p + 'up_proj.weight')!, dn = m.get(p + 'down_proj.weight')!;
  const [h, d] = g.shape;
  const act = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let a = 0, b = 0;
    for (let i = 0; i < d; i++) {
      a += g.values[j * d + i] * x[i];
      b += u.values[j * d + i] * x[i];
    }
    act[j] = (a / (1 + Math.exp(-a))) * b;
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < h; j++) y[i] += dn.values[i * h + j] * act[j];
  return y;
}

function permuteMlp(m: Model, seed: string): Model {
  const perms = new Map<number, number[]>();
  const perm = (layer: number, h: number) => {
    if (!perms.has(layer)) perms.set(layer, derangement(h, `${seed}|${layer}`));
    return perms.get(layer)!;
  };
  return mapModel(m, (name, t) => {
    const l = /layers\.(\d+)\.mlp\.(gate|up|down)_proj/.exec(name);
    if (!l) return t;
    const layer = Number(l[1]);
    if (l[2] === 'down') {
      const h = t.shape[1];
      const p = perm(layer, h);
      return tensor(t.dtype, t.shape, (k) => t.values[Math.floor(k / h) * h + p[k % h]]);
    }
    const [h, d] = t.shape;
    const p = perm(layer, h);
    return tensor(t.dtype, t.shape, (k) => t.values[p[Math.floor(k / d)] * d + (k % d)]);
  });
}

describe('fixture 5: MLP neuron permutation (T1 misses, T2 finds)', () => {
  // Independent attention/embeddings/norms + the reference's MLPs with permuted hidden units.
  const other = llama('other-for-perm');
  const permuted = permuteMlp(BASE, 'perm');
  const cand = mapModel(other, (name, t) => (name.includes('.mlp.') ? permuted.get(name)! : t));

  test('the permutation preserves the MLP function', () => {
    const rng = rngFrom('x');
    const x = Float64Array.from({ length: 64 }, () => rng.normal());
    const a = mlpForward(BASE, 0, x), b = mlpForward(permuted, 0, x);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 10);
    expect(permuted.get('model.layers.0.mlp.gate_proj.weight')!.values).not.toEqual(BASE.get('model.layers.0.mlp.gate_proj.weight')!.values);
  });

  test('without config lineage and without deep: T1 finds nothing (documented miss)', () => {
    const dir = tmpDir('perm-nocfg');
    writeModel(dir, cand, { config: null });
    const c = compare(dir, false);
    expect(c.t2).toBe('skipped');
    expect(c.level).toBe('NONE');
    expect(comp(c, 'language-backbone').pairs.filter((p) => p.role.startsWith('mlp')).every((p) => p.log10p > -4)).toBe(true);
  });

  test('deep: T2 row-sketch agreement is STRONG and the gate FAILs', async () => {
    const dir = tmpDir('perm-deep');
    writeModel(dir, cand, { config: null });
    const c = compare(dir, true);
    const bb = comp(c, 'language-backbone');
    expect(bb.sketches.length).toBeGreaterThan(0);
    expect(bb.sketches.every((s) => s.agree > s.rows * 0.9)).toBe(true);
    expect(bb.level).toBe('STRONG');
    const r = await detect(dir, { deep: true });
    expect(r.gate.status).toBe('FAIL');
  });

  test('same architecture (high lineage) runs T2 automatically when T1 is silent', () => {
    const dir = tmpDir('perm-cfg');
    writeModel(dir, cand);
    const c = compare(dir, false);
    expect(c.t2).toBe('run');
    expect(c.level).toBe('STRONG');
  });
});

describe('fixture 6: residual-stream permutation (expected miss)', () => {
  test('permuting the hidden dimension everywhere defeats T1 and T2 (documented limitation)', () => {
    const d = 64;
    const p = derangement(d, 'resid');
    const m = mapModel(BASE, (name, t) => {
      if (name.includes('inv_freq')) return t;
      if (t.shape.length === 1) return tensor(t.dtype, t.shape, (i) => t.values[p[i]]);
      const c = t.shape[1];
      const permCols = /embed_tokens|lm_head|q_proj|k_proj|v_proj|gate_proj|up_proj/.test(name);
      const permRows = /o_proj|down_proj/.test(name);
      return tensor(t.dtype, t.shape, (k) => {
        const i = Math.floor(k / c), j = k % c;
        return t.values[(permRows ? p[i] : i) * c + (permCols ? p[j] : j)];
      });
    });
    const dir = tmpDir('resid');
    writeModel(dir, m, { config: null });
    const c = compare(dir, true);
    expect(c.level).toBe('NONE');
    expect(c.components.flatMap((x) => x.hashHits)).toHaveLength(0);
  });
});

describe('fixture 7: partial reuse of a visual tower (~5% of parameters)', () => {
  const vlmDir = tmpDir('vlm');
  const V = visual('vlm');
  writeModel(vlmDir, merge(llama('vlm-llm'), V));
  const vlmSig = () => signatureOf(vlmDir, 'org/vlm');

  test('exact copy of visual.* into an independent model: vision CONCLUSIVE, gate FAIL, share reported', async () => {
    const dir = tmpDir('vlm-copy');
    writeModel(dir, merge(llama('independent-llm'), V));
    const r = await detectWeights(dir, records(dir), [vlmSig()], {});
    expect(r.gate.status).toBe('FAIL');
    const f = r.findings.find((x) => x.details?.component === 'vision')!;
    expect(f.strength).toBe('conclusive');
    const share = f.details!.share as number;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.08);
    expect(f.message).toMatch(/^vision \(\d\.\d% of the model's parameters\)/);
    expect(r.findings.some((x) => x.details?.component === 'language-backbone' && x.strength !== 'info')).toBe(false);
  });

  test('fine-tuned copy of the encoder (eps=0.3) still FAILs', async () => {
    const dir = tmpDir('vlm-ft');
    writeModel(dir, merge(llama('independent-llm-2'), fineTune(V, 0.3, 'v')));
    const r = await detectWeights(dir, records(dir), [vlmSig()], {});
    expect(r.gate.status).toBe('FAIL');
    expect(r.findings.find((x) => x.details?.component === 'vision')!.strength).toMatch(/strong|conclusive/);
  });
});

describe('fixture 8: vocabulary extension', () => {
  test('base embedding rows re-indexed + 128 new rows: row-hash hit', () => {
    const rng = rngFrom('vocab');
    const V = 512, d = 64;
    const order = Array.from({ length: V }, (_, i) => i);
    for (let i = V - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const extend = (t: T) => tensor(t.dtype, [V + 128, d], (k) => {
      const row = Math.floor(k / d), c = k % d;
      return row < V ? t.values[order[row] * d + c] : 0.02 * rng.normal();
    });
    const other = llama('vocab-other');
    other.set('model.embed_tokens.weight', extend(BASE.get('model.embed_tokens.weight')!));
    other.set('lm_head.weight', extend(BASE.get('lm_head.weight')!));
    const dir = tmpDir('vocab');
    writeModel(dir, other);
    const c = compare(dir);
    const e = comp(c, 'embeddings');
    expect(Math.max(...e.rowHits.map((h) => h.hits))).toBe(512);
    expect(e.level).toBe('CONCLUSIVE');
    expect(comp(c, 'language-backbone').level).toBe('NONE');
  });
});

describe('fixture 10: THE LAYERNORM TRAP', () => {
  test('independent norm vectors (mean ~1, shared depth profile) have raw cosine ~0.99 but are NONE', async () => {
    const profile = (l: number) => 0.6 + 0.15 * l;
    const refDir = tmpDir('trap-ref');
    writeModel(refDir, llama('trap-a', { normMean: profile, outlierScale: 0.5 }));
    const sig = signatureOf(refDir, 'org/glm-like');
    const dir = tmpDir('trap-cand');
    writeModel(dir, llama('trap-b', { normMean: profile, outlierScale: 0.5 }));
    const pool = new ReaderPool();
    const rec = records(dir);
    const m = analyzeModel(dir, rec.filter((f) => f.kind === 'weights').map((f) => f.path), [], { hash: 'full', seed: 's', pool });
    const c = compareWithReference(m, sig, { pool, nRefs: 1, deep: true });
    pool.close();
    const norms = c.components.flatMap((x) => x.pairs).filter((p) => p.role.startsWith('norm'));
    expect(norms.length).toBe(5);
    expect(Math.min(...norms.map((p) => p.rawCos))).toBeGreaterThan(0.9);
    expect(c.rawCosineTrap!.meanRawCos).toBeGreaterThan(0.95);
    expect(Math.abs(c.rawCosineTrap!.meanR)).toBeLessThan(0.3);
    expect(c.level).toBe('NONE');
    const r = await detectWeights(dir, rec, [sig], {});
    expect(r.gate.status).toBe('PASS');
    const info = r.findings.find((f) => f.method === 'weights-informational')!;
    expect(info.strength).toBe('info');
    expect(info.message).toMatch(/raw cosine 0\.9\d+ but centred r/);
  });

  test('positive control: the same norms lightly tuned (INTELLECT-3-like) are detected', () => {
    const dir = tmpDir('trap-pos');
    writeModel(dir, mapModel(llama('unrelated-for-norms'), (n, t) => (/norm/.test(n) ? fineTune(new Map([[n, BASE.get(n)!]]), 0.05, n).get(n)! : t)));
    const c = compare(dir);
    expect(comp(c, 'language-backbone').pairs.filter((p) => p.role.startsWith('norm')).every((p) => p.r > 0.9)).toBe(true);
    expect(['STRONG', 'CONCLUSIVE']).toContain(comp(c, 'language-backbone').level);
  });
});

describe('fixture 11: shared initialization', () => {
  test('same init, different "training" noise: flagged with the shared-initialization caveat', async () => {
    const init = llama('shared-init');
    const a = fineTune(init, 1.5, 'train-a');
    const b = fineTune(init, 1.5, 'train-b');
    const refDir = tmpDir('init-a');
    writeModel(refDir, a);
    const dir = tmpDir('init-b');
    writeModel(dir, b);
    const r = await detectWeights(dir, records(dir), [signatureOf(refDir, 'org/init-a')], {});
    expect(['FAIL', 'REVIEW']).toContain(r.gate.status);
    const f = r.findings.find((x) => x.method === 'weights-statistical')!;
    expect(f.message).toMatch(/shared initialization/);
  });
});

describe('fixture 12: constant and deterministic tensors', () => {
  test('zeros, ones and rotary inv_freq identical across independent models give no finding', async () => {
    const add = (m: Model) => {
      const out = new Map(m);
      out.set('model.layers.0.mlp.down_proj.bias', tensor('BF16', [64], () => 0));
      out.set('model.layers.0.self_attn.q_norm.weight', tensor('BF16', [1024], () => 1));
      out.set('model.extra_zeros', tensor('BF16', [64, 64], () => 0));
      return out;
    };
    const refDir = tmpDir('const-ref');
    writeModel(refDir, add(llama('const-a')));
    const sig = signatureOf(refDir, 'org/const');
    expect(sig.excluded.map((e) => e.name)).toEqual(expect.arrayContaining(['model.extra_zeros', 'model.layers.0.self_attn.rotary_emb.inv_freq']));
    const dir = tmpDir('const-cand');
    writeModel(dir, add(llama('const-b')));
    const r = await detectWeights(dir, records(dir), [sig], {});
    expect(r.findings.filter((f) => f.kind === 'weights' && f.strength !== 'info')).toHaveLength(0);
    expect(r.gate.status).toBe('PASS');
    expect(r.gate.reason).toMatch(/not derived from any of the 1 registered references/);
  });
});

describe('gate edge cases', () => {
  test('no weights files: NOT-CHECKED', async () => {
    const dir = tmpDir('empty');
    fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
    const r = await detect(dir);
    expect(r.gate.status).toBe('NOT-CHECKED');
  });
  test('independent model against two references: PASS naming both', async () => {
    const refDir2 = tmpDir('ref2');
    writeModel(refDir2, llama('ref2'));
    const dir = tmpDir('indep');
    writeModel(dir, llama('indep'));
    const r = await detect(dir, {}, [ref(), signatureOf(refDir2, 'org/two')]);
    expect(r.gate.status).toBe('PASS');
    expect(r.gate.checkedAgainst).toBe('compared with 2 registered references: org/base-model@r1, org/two@r1');
    expect(r.findings.every((f) => f.strength === 'info')).toBe(true);
  });
});
