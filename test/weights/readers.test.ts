// Readers read back what the independent writers in helpers.ts wrote; each format also runs end to end through
// detectWeights against a safetensors reference (cross-format matching).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { toBf16Bits, toF16Bits, f16ToF32Table } from '../../src/weights/dtypes';
import { detectWeights } from '../../src/weights/index';
import { openWeightsFile } from '../../src/weights/inventory';
import { classifyName } from '../../src/weights/naming';
import { walkPickle, collectTensors } from '../../src/weights/pickle';
import { log10BinomUpper, log10Fisher, log10NormalUpper } from '../../src/weights/pvalues';
import { samplePositions } from '../../src/weights/prng';
import { buildSignature, loadWeightSignatures, runBuildWeights, signatureFileName } from '../../src/weights/signature';
import { readValues, ReaderPool } from '../../src/weights/values';
import type { TensorRef } from '../../src/weights/tensor';
import {
  castModel, ggufBytes, llama, npyBytes, onnxBytes, Pk, records, signatureOf, tensor, tmpDir, torchZip, writeModel, zipBytes, type T, removeTmp,
} from './helpers';

afterAll(() => removeTmp());

const BASE = llama('readers-base');
const baseDir = tmpDir('readers-base');
writeModel(baseDir, BASE);
const sig = () => signatureOf(baseDir, 'org/readers-base');

function allValues(t: TensorRef): Float64Array {
  const pool = new ReaderPool();
  try {
    return readValues(pool, t, Array.from({ length: t.numel }, (_, i) => i));
  } finally {
    pool.close();
  }
}
function expectSame(t: TensorRef | undefined, want: T) {
  expect(t).toBeDefined();
  expect(t!.shape).toEqual(want.shape);
  expect(Array.from(allValues(t!))).toEqual(Array.from(want.values));
}

describe('dtypes', () => {
  test('bf16 rounding is round-to-nearest-even', () => {
    expect(toBf16Bits(1)).toBe(0x3f80);
    expect(toBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(toBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie -> even (up)
    expect(toBf16Bits(NaN)).toBe(0x7fc0);
  });
  test('f16 encode/decode round trip over all finite halves', () => {
    const t = f16ToF32Table();
    for (let h = 0; h < 65536; h++) {
      if (!Number.isFinite(t[h])) continue;
      const back = toF16Bits(t[h]);
      if (h === 0x8000) expect(back).toBe(0x8000);
      else expect(back).toBe(h);
    }
    expect(toF16Bits(1e6)).toBe(0x7c00);
  });
});

describe('p-values', () => {
  test('normal tail, binomial tail and Fisher agree with known values', () => {
    expect(10 ** log10NormalUpper(1.959964)).toBeCloseTo(0.025, 4);
    expect(log10NormalUpper(10)).toBeCloseTo(Math.log10(7.6199e-24), 2);
    expect(10 ** log10BinomUpper(3, 10, 0.5)).toBeCloseTo(0.9453125, 6);
    expect(log10BinomUpper(100, 100, 0.001)).toBeCloseTo(-300, 6);
    expect(10 ** log10Fisher([Math.log10(0.05), Math.log10(0.05)])).toBeCloseTo(0.0175, 3);
  });
  test('sample positions are deterministic, distinct, and depend on the shape not the name', () => {
    const a = samplePositions('s', [100, 50], 5000, 300);
    expect(samplePositions('s', [100, 50], 5000, 300)).toEqual(a);
    expect(new Set(a).size).toBe(300);
    expect(samplePositions('s', [50, 100], 5000, 300)).not.toEqual(a);
  });
});

describe('naming', () => {
  test.each([
    ['model.layers.3.mlp.gate_proj.weight', 'language-backbone', 3, 'mlp_gate'],
    ['blk.3.ffn_gate.weight', 'language-backbone', 3, 'mlp_gate'],
    ['transformer.h.2.attn.c_proj.weight', 'language-backbone', 2, 'attn_o'],
    ['transformer.h.2.mlp.c_proj.weight', 'language-backbone', 2, 'mlp_down'],
    ['visual.blocks.7.attn.qkv.weight', 'vision', 7, 'attn_qkv'],
    ['visual.merger.mlp.0.weight', 'projector', undefined, 'other:merger.mlp.N'],
    ['model.audio_tower.layers.1.fc1.weight', 'audio', 1, 'mlp_up'],
    ['model.embed_tokens.weight', 'embeddings', undefined, 'embed'],
    ['token_embd.weight', 'embeddings', undefined, 'embed'],
    ['lm_head.weight', 'embeddings', undefined, 'lm_head'],
    ['model.norm.weight', 'language-backbone', undefined, 'norm_final'],
  ])('%s', (name, component, layer, role) => {
    const n = classifyName(name);
    expect(n.component).toBe(component);
    expect(n.layer).toBe(layer);
    if (!role.startsWith('other')) expect(n.role).toBe(role);
  });
});

describe('safetensors', () => {
  test('values and shapes read back exactly, sharded or not', () => {
    const dir = tmpDir('st-read');
    writeModel(dir, BASE, { shards: 3 });
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.safetensors'));
    expect(names).toHaveLength(3);
    const tensors = names.flatMap((n) => openWeightsFile(dir, n).tensors);
    for (const [name, t] of BASE) expectSame(tensors.find((x) => x.name === name), t);
  });
  test('shards that discovery did not list are found through the index json', async () => {
    const dir = tmpDir('st-index-only');
    writeModel(dir, BASE, { shards: 2 });
    const rec = records(dir).map((f) => (f.path.endsWith('.safetensors') ? { ...f, kind: 'other' as const } : f));
    expect(rec.filter((f) => f.kind === 'weights')).toHaveLength(0);
    const r = await detectWeights(dir, rec, [sig()], {});
    expect(r.gate.status).toBe('FAIL');
    expect(r.gate.reason).toMatch(/full hashing/);
  });

  test('a shard named in the index but missing is reported', async () => {
    const dir = tmpDir('st-missing');
    writeModel(dir, BASE, { shards: 2 });
    fs.unlinkSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.warnings.join('\n')).toMatch(/model\.safetensors\.index\.json: shards missing from the folder: model-00002-of-00002\.safetensors/);
  });
});

describe('GGUF', () => {
  test('metadata, base-model keys and reversed dims; a GGUF conversion of the reference FAILs by hash', async () => {
    const dir = tmpDir('gguf');
    const map: [string, string][] = [
      ['model.embed_tokens.weight', 'token_embd.weight'], ['model.layers.0.self_attn.q_proj.weight', 'blk.0.attn_q.weight'],
      ['model.layers.0.mlp.gate_proj.weight', 'blk.0.ffn_gate.weight'], ['model.layers.0.mlp.up_proj.weight', 'blk.0.ffn_up.weight'],
      ['model.layers.0.mlp.down_proj.weight', 'blk.0.ffn_down.weight'], ['model.norm.weight', 'output_norm.weight'],
    ];
    fs.writeFileSync(path.join(dir, 'model.gguf'), ggufBytes(
      [['general.architecture', 'str', 'llama'], ['general.base_model.count', 'u32', 1], ['general.base_model.0.name', 'str', 'Base'], ['general.base_model.0.organization', 'str', 'Org']],
      map.map(([hf, g]) => [g, BASE.get(hf)!]),
    ));
    const rec = openWeightsFile(dir, 'model.gguf');
    expect(rec.error).toBeUndefined();
    expect(rec.metadata['general.architecture']).toBe('llama');
    expect(rec.baseModels).toEqual([{ name: 'Base', organization: 'Org', repoUrl: undefined, version: undefined }]);
    expectSame(rec.tensors.find((t) => t.name === 'blk.0.ffn_down.weight'), BASE.get('model.layers.0.mlp.down_proj.weight')!);
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('FAIL');
    expect(r.findings.some((f) => f.method === 'weights-informational' && /declares base model\(s\) Org\/Base/.test(f.message))).toBe(true);
  });
});

test('GGUF v2 reads like v3; v1 is refused', () => {
  const dir = tmpDir('gguf2');
  const t = BASE.get('model.layers.1.mlp.up_proj.weight')!;
  fs.writeFileSync(path.join(dir, 'v2.gguf'), ggufBytes([['general.architecture', 'str', 'llama']], [['blk.1.ffn_up.weight', t]], { version: 2 }));
  fs.writeFileSync(path.join(dir, 'v1.gguf'), ggufBytes([], [['blk.1.ffn_up.weight', t]], { version: 1 }));
  expectSame(openWeightsFile(dir, 'v2.gguf').tensors[0], t);
  expect(openWeightsFile(dir, 'v1.gguf').error).toMatch(/unsupported version 1/);
});

describe('PyTorch zip', () => {
  test('state dict with a strided (transposed) view reads exactly; an fp32 .bin of the reference FAILs by hash', async () => {
    const dir = tmpDir('torch');
    const f32 = castModel(BASE, 'F32');
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), torchZip(f32, { transposeFirst: true }));
    const rec = openWeightsFile(dir, 'pytorch_model.bin');
    expect(rec.error).toBeUndefined();
    expect(rec.unsafe).toBeUndefined();
    expect(rec.tensors).toHaveLength(BASE.size);
    const first = rec.tensors.find((t) => t.name === 'model.embed_tokens.weight')!;
    expect(first.strides).toEqual([1, 512]);
    expectSame(first, f32.get('model.embed_tokens.weight')!);
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('FAIL');
    const f = r.findings.find((x) => x.details?.component === 'embeddings')!;
    expect((f.details!.hashHits as { tensor: string }[]).map((h) => h.tensor)).toContain('model.embed_tokens.weight');
  });

  test('protocol-4 pickle with FRAME, MEMOIZE, SHORT_BINUNICODE and an allowed STACK_GLOBAL', () => {
    const p = new Pk();
    const sbu = (s: string) => p.op(0x8c, s.length).raw(s);
    p.op(0x95).raw(Buffer.alloc(8));
    sbu('collections');
    p.op(0x94);
    sbu('OrderedDict');
    p.op(0x94).op(0x93).op(0x94).op(0x29).op(0x52).op(0x94);
    sbu('k');
    p.op(0x4b, 7).op(0x73).op(0x2e);
    const res = walkPickle(p.bytes());
    expect(res.status).toBe('ok');
    expect(res.status === 'ok' && collectTensors(res.root)).toEqual([]);
  });
});

describe('numpy', () => {
  test('npy (C and Fortran order) and npz (stored and deflated members)', () => {
    const dir = tmpDir('npy');
    const a = tensor('F32', [6, 5], (i) => i * 0.5 - 3);
    fs.writeFileSync(path.join(dir, 'a.npy'), npyBytes(a));
    expectSame(openWeightsFile(dir, 'a.npy').tensors[0], a);
    // Fortran order: the bytes are column-major
    const colMajor = tensor('F32', [5, 6], (i) => a.values[(i % 6) * 5 + Math.floor(i / 6)]);
    fs.writeFileSync(path.join(dir, 'f.npy'), npyBytes({ descr: '<f4', shape: [6, 5], data: Buffer.from(Float32Array.from(colMajor.values).buffer) }, true));
    expectSame(openWeightsFile(dir, 'f.npy').tensors[0], a);
    const b = tensor('F16', [3, 4], (i) => i / 8);
    fs.writeFileSync(path.join(dir, 'w.npz'), zipBytes([{ name: 'a.npy', data: npyBytes(a) }, { name: 'b.npy', data: npyBytes(b), deflate: true }]));
    const z = openWeightsFile(dir, 'w.npz');
    expect(z.error).toBeUndefined();
    expectSame(z.tensors.find((t) => t.name === 'a'), a);
    expectSame(z.tensors.find((t) => t.name === 'b'), b);
  });
});

describe('ONNX', () => {
  test('raw_data and external-data initializers read exactly; an ONNX export of the reference FAILs', async () => {
    const dir = tmpDir('onnx');
    const names = ['model.layers.0.mlp.gate_proj.weight', 'model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.down_proj.weight'];
    const f32 = castModel(BASE, 'F32');
    const ext = f32.get(names[2])!;
    const extBytes = Buffer.from(Float32Array.from(ext.values).buffer);
    fs.mkdirSync(path.join(dir, 'onnx'));
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx_data'), Buffer.concat([Buffer.alloc(16), extBytes]));
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), onnxBytes([
      { name: names[0], t: f32.get(names[0])! }, { name: names[1], t: f32.get(names[1])! },
      { name: names[2], t: ext, external: { location: 'model.onnx_data', offset: 16 } },
    ]));
    const rec = openWeightsFile(dir, 'onnx/model.onnx');
    expect(rec.error).toBeUndefined();
    expect(rec.metadata.producer).toBe('fixture');
    for (const n of names) expectSame(rec.tensors.find((t) => t.name === n), f32.get(n)!);
    expect(rec.tensors.find((t) => t.name === names[2])!.relFile).toBe('onnx/model.onnx_data');
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('FAIL');
  });
});

describe('Git-LFS pointers', () => {
  const pointer = (oid: string, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
  test('a pointer whose oid is a reference file hash FAILs without any content', async () => {
    const bytes = fs.readFileSync(path.join(baseDir, 'model.safetensors'));
    const oid = createHash('sha256').update(bytes).digest('hex');
    const dir = tmpDir('lfs');
    fs.writeFileSync(path.join(dir, 'model.safetensors'), pointer(oid, bytes.length));
    const rec = openWeightsFile(dir, 'model.safetensors');
    expect(rec.lfs).toEqual({ oid, size: bytes.length });
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('FAIL');
    expect(r.findings[0].message).toMatch(/file identical to org\/readers-base@r1 model\.safetensors/);
  });
  test('an unknown pointer is not evidence; the report says content was not compared', async () => {
    const dir = tmpDir('lfs2');
    fs.writeFileSync(path.join(dir, 'model.safetensors'), pointer('a'.repeat(64), 123));
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('PASS');
    expect(r.warnings.join('\n')).toMatch(/Git-LFS pointers: compared by file hash \(oid\) only/);
  });
});

describe('signatures', () => {
  test('runBuildWeights writes <name>@<revision>.weights.json(.gz); loadWeightSignatures reads both', async () => {
    const out = tmpDir('sigs');
    const a = await runBuildWeights(baseDir, { name: 'org/readers-base', revision: 'abc123', out });
    const b = await runBuildWeights(baseDir, { name: 'org/other', revision: 'v1', out, gzip: true });
    expect(path.basename(a)).toBe('org__readers-base@abc123.weights.json');
    expect(path.basename(b)).toBe(signatureFileName('org/other', 'v1', true));
    zlib.gunzipSync(fs.readFileSync(b));
    fs.writeFileSync(path.join(out, 'unrelated.json'), '{}');
    const sigs = loadWeightSignatures(out);
    expect(sigs.map((s) => `${s.name}@${s.revision}`)).toEqual(['org/other@v1', 'org/readers-base@abc123']);
  });

  test('content: deterministic, small, with hashes, samples, excluded tensors, config and sketches', () => {
    const s1 = buildSignature(baseDir, { name: 'x', revision: '1' });
    const s2 = buildSignature(baseDir, { name: 'x', revision: '1' });
    expect({ ...s1, createdAt: '' }).toEqual({ ...s2, createdAt: '' });
    const size = JSON.stringify(s1).length;
    expect(size).toBeLessThan(400_000);
    const q = s1.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')!;
    expect(q.hashes.raw).toMatch(/^[0-9a-f]{32}$/);
    expect(q.sample!.k).toBe(1024);
    expect(s1.excluded.filter((e) => /inv_freq/.test(e.name)).every((e) => /deterministic/.test(e.reason))).toBe(true);
    expect(s1.config?.keys.hidden_size).toBe(64);
    expect(s1.sketches.map((k) => k.layer)).toEqual([0, 1]);
    expect(s1.components['embeddings']?.parameters).toBe(2 * 512 * 64);
    expect(s1.files[0].sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(baseDir, 'model.safetensors'))).digest('hex'));
  });

  test('a malformed signature file is rejected with its path', () => {
    const out = tmpDir('badsig');
    fs.writeFileSync(path.join(out, 'a@b.weights.json'), JSON.stringify({ format: 'other' }));
    expect(() => loadWeightSignatures(out)).toThrow(/a@b\.weights\.json: not a scratch-audit\/weights@1 file/);
  });
});

describe('full hashing', () => {
  test('files >= 64 MB hash in a worker thread; the result equals a plain SHA-256', () => {
    const { hashFileFull, PARALLEL_MIN_BYTES } = require('../../src/weights/hashing') as typeof import('../../src/weights/hashing');
    const { PositionalReader } = require('../../src/weights/io') as typeof import('../../src/weights/io');
    const dir = tmpDir('bighash');
    const n = PARALLEL_MIN_BYTES / 2 + 1000;
    const t = tensor('BF16', [n], (i) => (i % 977) / 977);
    const file = path.join(dir, 'big.safetensors');
    const { safetensorsBytes } = require('./helpers') as typeof import('./helpers');
    fs.writeFileSync(file, safetensorsBytes([['w', t]]));
    const r = PositionalReader.open(file, 'big.safetensors');
    try {
      const rec = openWeightsFile(dir, 'big.safetensors');
      const res = hashFileFull(r, rec.tensors.map((x) => ({ ...x, file })), () => false, 4 << 20);
      expect(r.size).toBeGreaterThanOrEqual(PARALLEL_MIN_BYTES);
      expect(res.sha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
      const h = [...res.tensors.values()][0];
      expect(h.raw).toBe(createHash('sha256').update(fs.readFileSync(file).subarray(r.size - 2 * n)).digest('hex').slice(0, 32));
    } finally {
      r.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config (part 5)', () => {
  const { normalizeConfig, compareLineage } = require('../../src/weights/config') as typeof import('../../src/weights/config');
  test('aliases, sub-configs and auto_map are normalized', () => {
    const c = normalizeConfig({
      model_type: 'qwen2_5_vl', architectures: ['X'], n_embd: 768, n_layer: 12, vocab_size: 151552, eos_token_id: [151329, 151336],
      rope_scaling: { rope_type: 'yarn' }, auto_map: { AutoModelForCausalLM: 'org/repo--modeling_x.XForCausalLM', AutoConfig: 'configuration_x.XConfig' },
      vision_config: { model_type: 'qwen_vit', hidden_size: 1280, depth: 32, patch_size: 14 }, text_config: { hidden_size: 3584 },
    });
    expect(c.keys).toMatchObject({ hidden_size: 768, num_hidden_layers: 12, vocab_size: 151552, eos_token_id: '151329,151336', rope_scaling_type: 'yarn' });
    expect(c.autoMap).toEqual(['configuration_x.XConfig', 'modeling_x.XForCausalLM']);
    expect(c.sub.vision_config).toEqual({ modelType: 'qwen_vit', keys: { hidden_size: 1280, num_hidden_layers: 32, patch_size: 14 } });
    expect(c.sub.text_config.keys.hidden_size).toBe(3584);
  });
  test('lineage: equal odd values and remote code are named, bookkeeping keys ignored', () => {
    const a = normalizeConfig({ hidden_size: 4096, vocab_size: 151552, transformers_version: '4.1', auto_map: { A: 'm.X' } });
    const b = normalizeConfig({ hidden_size: 4096, vocab_size: 151552, transformers_version: '4.2', auto_map: { A: 'm.X' } });
    const l = compareLineage(a, b, null, null);
    expect(l.equalKeys.sort()).toEqual(['hidden_size', 'vocab_size']);
    expect(l.oddEqual).toEqual(['vocab_size=151552']);
    expect(l.sharedRemoteCode).toEqual(['m.X']);
    expect(l.differentKeys).toEqual([]);
    const indep = compareLineage(a, normalizeConfig({ hidden_size: 4096, vocab_size: 128000 }), null, null);
    expect(indep.score).toBeLessThan(l.score);
  });
  test('a candidate with auto_map gets an informational config finding; lineage findings never move the gate', async () => {
    const dir = tmpDir('automap');
    writeModel(dir, llama('automap-indep'), { config: { model_type: 'llama', hidden_size: 64, vocab_size: 512, auto_map: { AutoModel: 'modeling_mine.MyModel' } } });
    const r = await detectWeights(dir, records(dir), [sig()], {});
    expect(r.gate.status).toBe('PASS');
    const f = r.findings.filter((x) => x.kind === 'config');
    expect(f.map((x) => x.method)).toEqual(['config-architecture', 'config-architecture']);
    expect(f.every((x) => x.strength === 'info')).toBe(true);
    expect(f.some((x) => /auto_map\): modeling_mine\.MyModel/.test(x.message))).toBe(true);
    expect(f.some((x) => /architecture lineage with org\/readers-base@r1: informational/.test(x.message))).toBe(true);
  });
});
