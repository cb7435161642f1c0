// Element types, decoding to numbers, and the roundings used by canonical hashes and bit-equality tests.
// Node 20 has no Float16Array, so f16 and fp8 go through lookup tables.

export type DType =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL'
  | 'QUANT'; // block-quantized (GGUF Q*): hashed raw, never decoded

export const ELEMENT_SIZE: Record<Exclude<DType, 'QUANT'>, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export function isFloat(d: DType): boolean {
  return d === 'F64' || d === 'F32' || d === 'F16' || d === 'BF16' || d === 'F8_E4M3' || d === 'F8_E5M2';
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f32Bits(v: number): number {
  f32buf[0] = v;
  return u32buf[0];
}
export function fromF32Bits(b: number): number {
  u32buf[0] = b >>> 0;
  return f32buf[0];
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

let f16Table: Float32Array | undefined;
/** 65,536-entry table: f16 bits -> value. */
export function f16ToF32Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = halfToFloat(i);
  }
  return f16Table;
}

function fp8Table(expBits: number, manBits: number, bias: number, e4m3: boolean): Float32Array {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const s = i & 0x80 ? -1 : 1;
    const e = (i >> manBits) & ((1 << expBits) - 1);
    const m = i & ((1 << manBits) - 1);
    let v: number;
    if (e4m3 && (i & 0x7f) === 0x7f) v = NaN; // e4m3fn: only S.1111.111 is NaN, no infinities
    else if (!e4m3 && e === (1 << expBits) - 1) v = m ? NaN : s * Infinity;
    else if (e === 0) v = s * (m / (1 << manBits)) * 2 ** (1 - bias);
    else v = s * (1 + m / (1 << manBits)) * 2 ** (e - bias);
    t[i] = v;
  }
  return t;
}
const E4M3 = fp8Table(4, 3, 7, true);
const E5M2 = fp8Table(5, 2, 15, false);

/** Decodes `count` elements starting at byte `off` of `buf` into `out[outOff..]`. */
export function decodeInto(buf: Buffer, off: number, dtype: DType, count: number, out: Float64Array, outOff = 0): void {
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readFloatLE(off + 4 * i);
      return;
    case 'F64':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readDoubleLE(off + 8 * i);
      return;
    case 'BF16':
      for (let i = 0; i < count; i++) out[outOff + i] = fromF32Bits(buf.readUInt16LE(off + 2 * i) << 16);
      return;
    case 'F16': {
      const t = f16ToF32Table();
      for (let i = 0; i < count; i++) out[outOff + i] = t[buf.readUInt16LE(off + 2 * i)];
      return;
    }
    case 'F8_E4M3':
      for (let i = 0; i < count; i++) out[outOff + i] = E4M3[buf[off + i]];
      return;
    case 'F8_E5M2':
      for (let i = 0; i < count; i++) out[outOff + i] = E5M2[buf[off + i]];
      return;
    case 'I8':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readInt8(off + i);
      return;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[outOff + i] = buf[off + i];
      return;
    case 'I16':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readInt16LE(off + 2 * i);
      return;
    case 'U16':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readUInt16LE(off + 2 * i);
      return;
    case 'I32':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readInt32LE(off + 4 * i);
      return;
    case 'U32':
      for (let i = 0; i < count; i++) out[outOff + i] = buf.readUInt32LE(off + 4 * i);
      return;
    case 'I64':
      for (let i = 0; i < count; i++) out[outOff + i] = Number(buf.readBigInt64LE(off + 8 * i));
      return;
    case 'U64':
      for (let i = 0; i < count; i++) out[outOff + i] = Number(buf.readBigUInt64LE(off + 8 * i));
      return;
    case 'QUANT':
      throw new Error('block-quantized tensors cannot be decoded element by element');
  }
}

/** bf16 bits of a value, round to nearest even (NaN kept as a quiet NaN). */
export function toBf16Bits(v: number): number {
  const b = f32Bits(v);
  if ((b & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f16 bits of a value, round to nearest even, with subnormals and overflow to infinity. */
export function toF16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // subnormal: units of 2^-24
    const q = roundHalfEven(a / 2 ** -24);
    return sign | q; // q may reach 1024 = smallest normal, which is the right bit pattern
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export type Grid = 'exact' | 'bf16' | 'f16';

/** The grid on which two tensors of these dtypes are compared bit for bit: the coarser of the two. */
export function commonGrid(a: DType, b: DType): Grid {
  if (a === 'BF16' || b === 'BF16') return 'bf16';
  if (a === 'F16' || b === 'F16') return 'f16';
  return 'exact';
}

/** Maps a value to an integer key on the grid, so equal keys mean bit-equal values at that precision. */
export function gridKey(v: number, g: Grid): number {
  if (g === 'bf16') return toBf16Bits(v);
  if (g === 'f16') return toF16Bits(v);
  return v;
}

export function dtypeFromTorchStorage(name: string): DType | undefined {
  const m: Record<string, DType> = {
    FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16',
    LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8',
    BoolStorage: 'BOOL', Float8_e4m3fnStorage: 'F8_E4M3', Float8_e5m2Storage: 'F8_E5M2',
  };
  return m[name];
}

/** Product of dims with overflow checks; undefined when not a safe integer. */
export function checkedNumel(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}
