// GGUF v2/v3: header, metadata key/values (bounded), tensor infos. Dims are stored innermost first; we reverse them
// to PyTorch order (the byte layout is the same row-major layout).
import { checkedNumel, type DType } from './dtypes';
import { ReadWindow, type PositionalReader } from './io';
import type { TensorRef } from './tensor';

export type GgufValue = number | bigint | boolean | string | GgufValue[] | { arrayType: number; length: number };

export interface GgufInfo {
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: TensorRef[];
  /** general.base_model.* entries: declared parents. */
  baseModels: { name?: string; organization?: string; repoUrl?: string; version?: string }[];
  architecture?: string;
}

const MAX_TENSORS = 1_000_000;
const MAX_KV = 1_000_000;
const MAX_STRING = 64 * 1024 * 1024;
/** Arrays longer than this are skipped (their length is kept), so token lists do not fill memory. */
const KEEP_ARRAY = 64;

// ggml type -> [dtype, block elements, block bytes]; quantized types are hashed raw only.
const GGML: Record<number, [DType, number, number]> = {
  0: ['F32', 1, 4], 1: ['F16', 1, 2], 30: ['BF16', 1, 2], 28: ['F64', 1, 8],
  24: ['I8', 1, 1], 25: ['I16', 1, 2], 26: ['I32', 1, 4], 27: ['I64', 1, 8],
  2: ['QUANT', 32, 18], 3: ['QUANT', 32, 20], 6: ['QUANT', 32, 22], 7: ['QUANT', 32, 24], 8: ['QUANT', 32, 34],
  9: ['QUANT', 32, 36], 10: ['QUANT', 256, 84], 11: ['QUANT', 256, 110], 12: ['QUANT', 256, 144],
  13: ['QUANT', 256, 176], 14: ['QUANT', 256, 210], 15: ['QUANT', 256, 292],
};

/** Buffered forward cursor over a PositionalReader, so many small fields do not mean many syscalls. */
class Cursor {
  private readonly window: ReadWindow;
  constructor(
    private readonly r: PositionalReader,
    public pos: number,
  ) {
    this.window = new ReadWindow(r, 1 << 20);
  }
  bytes(n: number, what: string): Buffer {
    if (this.pos + n > this.r.size) this.r.fail(`gguf: ${what} at ${this.pos} needs ${n} bytes past the end of the file`);
    const b = this.window.view(this.pos, n, `gguf ${what}`);
    this.pos += n;
    return b;
  }
  skip(n: number, what: string): void {
    if (this.pos + n > this.r.size) this.r.fail(`gguf: ${what} of ${n} bytes at ${this.pos} runs past the end of the file`);
    this.pos += n;
  }
  u8 = (w: string) => this.bytes(1, w)[0];
  u32 = (w: string) => this.bytes(4, w).readUInt32LE(0);
  u64 = (w: string): number => {
    const v = this.bytes(8, w).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.r.fail(`gguf: ${w} value ${v} is absurdly large`);
    return Number(v);
  };
  str(w: string): string {
    const n = this.u64(`${w} length`);
    if (n > MAX_STRING) this.r.fail(`gguf: ${w} declares a string of ${n} bytes`);
    return this.bytes(n, w).toString('utf8');
  }
}

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function readValue(c: Cursor, r: PositionalReader, type: number, key: string, depth: number): GgufValue {
  switch (type) {
    case 0: return c.u8(key);
    case 1: return c.bytes(1, key).readInt8(0);
    case 2: return c.bytes(2, key).readUInt16LE(0);
    case 3: return c.bytes(2, key).readInt16LE(0);
    case 4: return c.u32(key);
    case 5: return c.bytes(4, key).readInt32LE(0);
    case 6: return c.bytes(4, key).readFloatLE(0);
    case 7: return c.u8(key) !== 0;
    case 8: return c.str(key);
    case 10: return c.bytes(8, key).readBigUInt64LE(0);
    case 11: return c.bytes(8, key).readBigInt64LE(0);
    case 12: return c.bytes(8, key).readDoubleLE(0);
    case 9: {
      if (depth > 3) r.fail(`gguf: ${key} nests arrays too deeply`);
      const et = c.u32(`${key} array type`);
      const n = c.u64(`${key} array length`);
      const remaining = r.size - c.pos;
      const minEach = et === 8 ? 8 : et === 9 ? 12 : SCALAR_SIZE[et];
      if (minEach === undefined) r.fail(`gguf: ${key} has unknown array element type ${et}`);
      if (n * minEach > remaining) r.fail(`gguf: ${key} declares ${n} elements, more than the file can hold`);
      if (n > KEEP_ARRAY) {
        if (et !== 8 && et !== 9) c.skip(n * minEach, key);
        else for (let i = 0; i < n; i++) readValue(c, r, et, key, depth + 1); // strings: walk to skip
        return { arrayType: et, length: n };
      }
      const out: GgufValue[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(c, r, et, key, depth + 1));
      return out;
    }
    default:
      return r.fail(`gguf: ${key} has unknown value type ${type}`);
  }
}

export function readGguf(r: PositionalReader, relFile: string): GgufInfo {
  if (r.size < 24) r.fail('gguf: file shorter than the header');
  const c = new Cursor(r, 0);
  if (c.bytes(4, 'magic').toString('latin1') !== 'GGUF') r.fail('gguf: bad magic');
  const version = c.u32('version');
  if (version !== 2 && version !== 3) r.fail(`gguf: unsupported version ${version}`);
  const nTensors = c.u64('tensor count');
  const nKv = c.u64('metadata count');
  if (nTensors > MAX_TENSORS || nTensors * 24 > r.size) r.fail(`gguf: absurd tensor count ${nTensors}`);
  if (nKv > MAX_KV || nKv * 12 > r.size) r.fail(`gguf: absurd metadata count ${nKv}`);
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < nKv; i++) {
    const key = c.str('metadata key');
    const type = c.u32(`${key} type`);
    metadata[key] = readValue(c, r, type, key, 0);
  }
  const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.str('tensor name');
    const nd = c.u32(`${name} n_dims`);
    if (nd > 8) r.fail(`gguf: tensor ${name} has ${nd} dims`);
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(c.u64(`${name} dim`));
    const type = c.u32(`${name} type`);
    const offset = c.u64(`${name} offset`);
    infos.push({ name, dims, type, offset });
  }
  const alignV = metadata['general.alignment'];
  const alignment = typeof alignV === 'number' && alignV > 0 && alignV <= 65536 ? alignV : 32;
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const tensors: TensorRef[] = [];
  for (const t of infos) {
    const shape = [...t.dims].reverse();
    const numel = checkedNumel(shape);
    if (numel === undefined) r.fail(`gguf: tensor ${t.name} dims overflow`);
    const spec = GGML[t.type];
    if (!spec) r.fail(`gguf: tensor ${t.name} has unsupported ggml type ${t.type}`);
    const [dtype, blockEl, blockBytes] = spec;
    if (numel % blockEl !== 0) r.fail(`gguf: tensor ${t.name} has ${numel} elements, not a multiple of the block size ${blockEl}`);
    const byteLength = (numel / blockEl) * blockBytes;
    const offset = dataStart + t.offset;
    if (!Number.isSafeInteger(offset + byteLength) || offset + byteLength > r.size) {
      r.fail(`gguf: tensor ${t.name} data [${offset}, ${offset + byteLength}) runs past the end of the file (${r.size} bytes)`);
    }
    tensors.push({
      name: t.name, file: r.path, relFile, dtype, shape, numel, offset, byteLength,
      unreadable: dtype === 'QUANT' ? `quantized ggml type ${t.type}: compared by raw hash only` : undefined,
    });
  }
  const baseModels: GgufInfo['baseModels'] = [];
  const count = metadata['general.base_model.count'];
  const nBase = typeof count === 'number' ? Math.min(count, 64) : typeof count === 'bigint' ? Math.min(Number(count), 64) : 0;
  for (let i = 0; i < nBase; i++) {
    const g = (k: string) => {
      const v = metadata[`general.base_model.${i}.${k}`];
      return typeof v === 'string' ? v : undefined;
    };
    baseModels.push({ name: g('name'), organization: g('organization'), repoUrl: g('repo_url'), version: g('version') });
  }
  const arch = metadata['general.architecture'];
  return { version, metadata, tensors, baseModels, architecture: typeof arch === 'string' ? arch : undefined };
}
