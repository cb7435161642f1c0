// Synthetic fixtures for the weights tests (research notes §6.4), generated at test time from seeded PRNGs and
// written to os.tmpdir(). Includes tiny writers for every format we read (safetensors, zip, pickle, GGUF, npy,
// ONNX), written from the format descriptions, so the readers are tested against independent encoders.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { FileRecord } from '../../src/evidence';
import { f16ToF32Table, fromF32Bits, toBf16Bits, toF16Bits } from '../../src/weights/dtypes';
import { rngFrom } from '../../src/weights/prng';
import { buildSignature, type WeightSignature } from '../../src/weights/signature';

export type FDType = 'BF16' | 'F32' | 'F16';
export interface T {
  dtype: FDType;
  shape: number[];
  values: Float64Array;
}
export type Model = Map<string, T>;

let tmpRoot: string | undefined;
/** A fresh folder under one per-process root in os.tmpdir(); removeTmp() deletes them all (call it in afterAll). */
export function tmpDir(tag: string): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sa-weights-test-'));
  return fs.mkdtempSync(path.join(tmpRoot, `${tag}-`));
}
export function removeTmp(): void {
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = undefined;
}

export function quantize(x: number, dtype: FDType): number {
  if (dtype === 'BF16') return fromF32Bits(toBf16Bits(x) << 16);
  if (dtype === 'F16') return f16ToF32Table()[toF16Bits(x)];
  return Math.fround(x);
}

export function tensor(dtype: FDType, shape: number[], gen: (i: number) => number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = quantize(gen(i), dtype);
  return { dtype, shape, values };
}

export interface LlamaOpts {
  vocab?: number;
  d?: number;
  ffn?: number;
  layers?: number;
  dtype?: FDType;
  /** Mean of the norm vectors of layer l (the "depth profile"); default 1. */
  normMean?: (layer: number) => number;
  prefix?: string;
  /** Height of the 3 planted outlier channels in the norm vectors (default 4). */
  outlierScale?: number;
}

export const ARCH = { vocab: 512, d: 64, ffn: 172, layers: 2 };

/** 2-layer Llama-like model; norms 1+N(0,0.1) with 3 planted outlier channels; weights N(0, 0.02). */
export function llama(seed: string, o: LlamaOpts = {}): Model {
  const { vocab = ARCH.vocab, d = ARCH.d, ffn = ARCH.ffn, layers = ARCH.layers, dtype = 'BF16', prefix = 'model.' } = o;
  const rng = rngFrom(`fixture|${seed}`);
  const w = (shape: number[]) => tensor(dtype, shape, () => 0.02 * rng.normal());
  const outliers = [rng.int(d), rng.int(d), rng.int(d)];
  const norm = (layer: number) =>
    tensor(dtype, [d], (i) => (o.normMean ? o.normMean(layer) : 1) + 0.1 * rng.normal() + (outliers.includes(i) ? (o.outlierScale ?? 4) : 0));
  const m: Model = new Map();
  m.set(`${prefix}embed_tokens.weight`, w([vocab, d]));
  for (let l = 0; l < layers; l++) {
    const p = `${prefix}layers.${l}.`;
    m.set(`${p}self_attn.q_proj.weight`, w([d, d]));
    m.set(`${p}self_attn.k_proj.weight`, w([d, d]));
    m.set(`${p}self_attn.v_proj.weight`, w([d, d]));
    m.set(`${p}self_attn.o_proj.weight`, w([d, d]));
    m.set(`${p}mlp.gate_proj.weight`, w([ffn, d]));
    m.set(`${p}mlp.up_proj.weight`, w([ffn, d]));
    m.set(`${p}mlp.down_proj.weight`, w([d, ffn]));
    m.set(`${p}input_layernorm.weight`, norm(2 * l));
    m.set(`${p}post_attention_layernorm.weight`, norm(2 * l + 1));
    // Deterministic buffer, identical in every model of this architecture.
    m.set(`${p}self_attn.rotary_emb.inv_freq`, tensor('F32', [d / 2], (i) => 1 / 10000 ** ((2 * i) / d)));
  }
  m.set(`${prefix}norm.weight`, norm(2 * layers));
  m.set('lm_head.weight', w([vocab, d]));
  return m;
}

/** A small visual tower (Qwen-VL-like names), ~5% of the llama() parameters. */
export function visual(seed: string, dtype: FDType = 'BF16'): Model {
  const rng = rngFrom(`visual|${seed}`);
  const w = (shape: number[]) => tensor(dtype, shape, () => 0.02 * rng.normal());
  const m: Model = new Map();
  m.set('visual.blocks.0.attn.qkv.weight', w([96, 32]));
  m.set('visual.blocks.0.attn.proj.weight', w([32, 32]));
  m.set('visual.blocks.0.mlp.fc1.weight', w([64, 32]));
  m.set('visual.blocks.0.mlp.fc2.weight', w([32, 64]));
  m.set('visual.blocks.0.norm1.weight', tensor(dtype, [32], () => 1 + 0.1 * rng.normal()));
  return m;
}

export function merge(...ms: Model[]): Model {
  const out: Model = new Map();
  for (const m of ms) for (const [k, v] of m) out.set(k, v);
  return out;
}

export function mapModel(m: Model, fn: (name: string, t: T) => T | undefined): Model {
  const out: Model = new Map();
  for (const [k, v] of m) {
    const t = fn(k, v);
    if (t) out.set(k, t);
  }
  return out;
}

export function std(v: Float64Array): number {
  let s = 0, q = 0;
  for (const x of v) {
    s += x;
    q += x * x;
  }
  const m = s / v.length;
  return Math.sqrt(Math.max(0, q / v.length - m * m));
}

/** "Fine-tune": W + eps * std(W) * N(0,1), every tensor except deterministic buffers. */
export function fineTune(m: Model, eps: number, seed: string): Model {
  const rng = rngFrom(`ft|${seed}`);
  return mapModel(m, (name, t) => {
    if (name.includes('inv_freq')) return t;
    const s = std(t.values);
    return tensor(t.dtype, t.shape, (i) => t.values[i] + eps * s * rng.normal());
  });
}

export function castModel(m: Model, dtype: FDType): Model {
  return mapModel(m, (name, t) => (name.includes('inv_freq') ? t : tensor(dtype, t.shape, (i) => t.values[i])));
}

export function encode(t: T): Buffer {
  const es = t.dtype === 'F32' ? 4 : 2;
  const b = Buffer.alloc(t.values.length * es);
  for (let i = 0; i < t.values.length; i++) {
    if (t.dtype === 'F32') b.writeFloatLE(t.values[i], 4 * i);
    else if (t.dtype === 'BF16') b.writeUInt16LE(toBf16Bits(t.values[i]), 2 * i);
    else b.writeUInt16LE(toF16Bits(t.values[i]), 2 * i);
  }
  return b;
}

export function safetensorsBytes(entries: [string, T][], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const datas: Buffer[] = [];
  let off = 0;
  for (const [name, t] of entries) {
    const b = encode(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + b.length] };
    datas.push(b);
    off += b.length;
  }
  let h = JSON.stringify(header);
  while ((8 + Buffer.byteLength(h)) % 8) h += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(h)));
  return Buffer.concat([len, Buffer.from(h), ...datas]);
}

export interface WriteOpts {
  shards?: number;
  config?: Record<string, unknown> | null;
  rename?: (name: string) => string;
}

export const LLAMA_CONFIG = {
  model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 64, intermediate_size: 172, num_hidden_layers: 2,
  num_attention_heads: 4, num_key_value_heads: 4, vocab_size: 512, rope_theta: 10000, rms_norm_eps: 1e-6, torch_dtype: 'bfloat16',
};

/** Writes model.safetensors (or N shards + index.json) and config.json into dir. */
export function writeModel(dir: string, m: Model, o: WriteOpts = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const entries = [...m].map(([k, v]) => [o.rename ? o.rename(k) : k, v] as [string, T]);
  const shards = o.shards ?? 1;
  if (shards === 1) fs.writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(entries));
  else {
    const weightMap: Record<string, string> = {};
    const per = Math.ceil(entries.length / shards);
    for (let s = 0; s < shards; s++) {
      const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = entries.slice(s * per, (s + 1) * per);
      for (const [k] of part) weightMap[k] = name;
      fs.writeFileSync(path.join(dir, name), safetensorsBytes(part));
    }
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  }
  if (o.config !== null) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(o.config ?? LLAMA_CONFIG));
  return dir;
}

/** FileRecords as discovery would produce them. */
export function records(root: string): FileRecord[] {
  const out: FileRecord[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else {
        const rel = path.relative(root, full).split(path.sep).join('/');
        const kind = /\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|npy|npz)$/i.test(e.name)
          ? 'weights'
          : e.name === 'config.json' || (e.name.endsWith('_config.json') && !e.name.endsWith('.index.json'))
            ? 'config'
            : 'other';
        out.push({ path: rel, kind, bytes: fs.statSync(full).size });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const sigCache = new Map<string, WeightSignature>();
export function signatureOf(dir: string, name: string, revision = 'r1'): WeightSignature {
  const key = `${dir}|${name}|${revision}`;
  if (!sigCache.has(key)) sigCache.set(key, buildSignature(dir, { name, revision }));
  return sigCache.get(key)!;
}

// ---------- zip / pickle / gguf / npy / onnx writers ----------

export interface ZipIn {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Lie about the uncompressed size (zip-bomb tests). */
  declaredSize?: number;
}

export function zipBytes(entries: ZipIn[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  const crc = (b: Buffer) => ((zlib as unknown as { crc32?: (b: Buffer) => number }).crc32?.(b) ?? 0) >>> 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const size = e.declaredSize ?? e.data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.deflate ? 8 : 0, 8);
    lh.writeUInt32LE(crc(e.data), 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(size >>> 0, 22);
    lh.writeUInt16LE(name.length, 26);
    locals.push(lh, name, body);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(e.deflate ? 8 : 0, 10);
    ch.writeUInt32LE(crc(e.data), 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(size >>> 0, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(off, 42);
    central.push(ch, name);
    off += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Minimal pickle emitter (protocol 2 opcodes). */
export class Pk {
  private parts: Buffer[] = [Buffer.from([0x80, 0x02])];
  op(...b: number[]): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  raw(b: Buffer | string): this {
    this.parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'));
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return this.op(0x58).raw(n).raw(b);
  }
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.op(0x4a).raw(b);
  }
  global(mod: string, name: string): this {
    return this.op(0x63).raw(`${mod}\n${name}\n`);
  }
  ints(v: number[]): this {
    this.op(0x28);
    for (const x of v) this.int(x);
    return this.op(0x74);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface TorchEntry {
  name: string;
  key: string;
  storage: 'FloatStorage' | 'BFloat16Storage' | 'HalfStorage';
  storageNumel: number;
  offset: number;
  size: number[];
  stride: number[];
}

export function torchStateDictPickle(entries: TorchEntry[]): Buffer {
  const p = new Pk();
  p.op(0x7d).op(0x28);
  for (const e of entries) {
    p.str(e.name).global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    p.op(0x28).str('storage').global('torch', e.storage).str(e.key).str('cpu').int(e.storageNumel).op(0x74).op(0x51);
    p.int(e.offset).ints(e.size).ints(e.stride).op(0x89).global('collections', 'OrderedDict').op(0x29).op(0x52);
    p.op(0x74).op(0x52);
  }
  return p.op(0x75).op(0x2e).bytes();
}

/** torch.save-like zip: archive/data.pkl + archive/data/<key> (+ version). */
export function torchZip(m: Model, opts: { transposeFirst?: boolean } = {}): Buffer {
  const entries: TorchEntry[] = [];
  const files: ZipIn[] = [];
  let k = 0;
  for (const [name, t] of m) {
    const key = String(k++);
    let data = t;
    let stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    if (opts.transposeFirst && k === 1 && t.shape.length === 2) {
      // store W^T contiguously and describe W as a strided view of it
      const [r, c] = t.shape;
      data = tensor(t.dtype, [c, r], (i) => t.values[(i % r) * c + Math.floor(i / r)]);
      stride = [1, r];
    }
    const storage = t.dtype === 'F32' ? 'FloatStorage' : t.dtype === 'BF16' ? 'BFloat16Storage' : 'HalfStorage';
    entries.push({ name, key, storage, storageNumel: t.values.length, offset: 0, size: t.shape, stride });
    files.push({ name: `archive/data/${key}`, data: encode(data) });
  }
  return zipBytes([{ name: 'archive/data.pkl', data: torchStateDictPickle(entries) }, ...files, { name: 'archive/version', data: Buffer.from('3\n') }]);
}

function ggufStr(s: string): Buffer {
  const b = Buffer.from(s);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([n, b]);
}

export function ggufBytes(kv: [string, 'str' | 'u32', string | number][], tensors: [string, T][], o: { version?: number; tensorCount?: bigint; kvCount?: bigint } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('GGUF')];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const u64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return b;
  };
  parts.push(u32(o.version ?? 3), u64(o.tensorCount ?? BigInt(tensors.length)), u64(o.kvCount ?? BigInt(kv.length)));
  for (const [k, type, v] of kv) {
    parts.push(ggufStr(k));
    if (type === 'str') parts.push(u32(8), ggufStr(String(v)));
    else parts.push(u32(4), u32(Number(v)));
  }
  let off = 0;
  const datas: Buffer[] = [];
  for (const [name, t] of tensors) {
    parts.push(ggufStr(name), u32(t.shape.length));
    for (const d of [...t.shape].reverse()) parts.push(u64(BigInt(d)));
    parts.push(u32(t.dtype === 'F32' ? 0 : t.dtype === 'F16' ? 1 : 30), u64(BigInt(off)));
    const b = encode(t);
    const pad = (32 - (b.length % 32)) % 32;
    datas.push(b, Buffer.alloc(pad));
    off += b.length + pad;
  }
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
  return Buffer.concat([head, ...datas]);
}

export function npyBytes(t: T | { descr: string; shape: number[]; data: Buffer }, fortran = false): Buffer {
  const descr = 'descr' in t ? t.descr : t.dtype === 'F32' ? '<f4' : '<f2';
  const shape = t.shape;
  const data = 'descr' in t ? t.data : encode(t);
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + h.length + 1) % 64) h += ' ';
  h += '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(h.length, 8);
  return Buffer.concat([pre, Buffer.from(h, 'latin1'), data]);
}

// protobuf
function varint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
const fieldV = (f: number, v: number) => Buffer.concat([varint(f * 8), varint(v)]);
const fieldL = (f: number, b: Buffer | string) => {
  const bb = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return Buffer.concat([varint(f * 8 + 2), varint(bb.length), bb]);
};

export interface OnnxInit {
  name: string;
  t: T;
  external?: { location: string; offset?: number };
}
export function onnxBytes(inits: OnnxInit[]): Buffer {
  const tensors = inits.map(({ name, t, external }) => {
    const parts = [...t.shape.map((d) => fieldV(1, d)), fieldV(2, t.dtype === 'F32' ? 1 : t.dtype === 'F16' ? 10 : 16), fieldL(8, name)];
    if (external) {
      parts.push(fieldL(13, Buffer.concat([fieldL(1, 'location'), fieldL(2, external.location)])));
      parts.push(fieldL(13, Buffer.concat([fieldL(1, 'offset'), fieldL(2, String(external.offset ?? 0))])));
      parts.push(fieldL(13, Buffer.concat([fieldL(1, 'length'), fieldL(2, String(encode(t).length))])));
      parts.push(fieldV(14, 1));
    } else parts.push(fieldL(9, encode(t)));
    return fieldL(5, Buffer.concat(parts));
  });
  const graph = Buffer.concat([fieldL(2, 'g'), ...tensors]);
  return Buffer.concat([fieldV(1, 8), fieldL(2, 'fixture'), fieldL(7, graph)]);
}
