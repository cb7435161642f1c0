// numpy .npy and .npz. The header is a Python dict literal, parsed by a tiny literal parser (never evaluated).
// Object dtypes ('O') are pickles and are refused.
import { checkedNumel, ELEMENT_SIZE, type DType } from './dtypes';
import { type PositionalReader } from './io';
import type { TensorRef } from './tensor';
import { entryDataOffset, readEntry, readZipDirectory } from './zip';

const DESCR: Record<string, DType> = {
  f8: 'F64', f4: 'F32', f2: 'F16', i8: 'I64', i4: 'I32', i2: 'I16', i1: 'I8', u8: 'U64', u4: 'U32', u2: 'U16', u1: 'U8', b1: 'BOOL',
};
const MAX_HEADER = 1 << 20;
/** Deflated npz members are inflated in memory only up to this size. */
const MAX_NPZ_INFLATE = 64 * 1024 * 1024;

interface NpyHeader {
  dtype: DType;
  shape: number[];
  fortran: boolean;
  headerEnd: number;
}

export function parseNpyHeader(buf: Buffer, fail: (m: string) => never): NpyHeader {
  if (buf.length < 10 || buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') fail('npy: bad magic');
  const major = buf[6];
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail('npy: truncated header');
    hlen = buf.readUInt32LE(8);
    start = 12;
  } else return fail(`npy: unsupported version ${major}`);
  if (hlen > MAX_HEADER) fail(`npy: header of ${hlen} bytes is too large`);
  if (start + hlen > buf.length) fail(`npy: header of ${hlen} bytes runs past the end of the data`);
  const text = buf.subarray(start, start + hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  if (descr === undefined) {
    if (/'descr'\s*:\s*\[/.test(text)) fail('npy: structured dtypes are not supported');
    fail('npy: header has no descr');
  }
  if (/O/.test(descr!)) fail(`npy: object dtype ${descr} is a pickle; refused (unsafe)`);
  const m = /^([<>|=]?)([a-z]\d+)$/.exec(descr!);
  if (!m || !DESCR[m[2]]) fail(`npy: unsupported dtype ${descr}`);
  if (m![1] === '>' && m![2] !== 'u1' && m![2] !== 'i1' && m![2] !== 'b1') fail('npy: big-endian data is not supported');
  const fortran = /'fortran_order'\s*:\s*True/.test(text);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) fail('npy: header has no shape');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s.length).map((s) => {
    if (!/^\d+L?$/.test(s)) fail(`npy: bad shape element ${s}`);
    return Number(s.replace('L', ''));
  });
  return { dtype: DESCR[m![2]], shape, fortran, headerEnd: start + hlen };
}

function toRef(r: PositionalReader, relFile: string, name: string, h: NpyHeader, base: number, avail: number, inMemory?: Buffer): TensorRef {
  const numel = checkedNumel(h.shape);
  if (numel === undefined) r.fail(`npy: ${name} shape overflows`);
  const byteLength = numel * ELEMENT_SIZE[h.dtype as Exclude<DType, 'QUANT'>];
  if (!Number.isSafeInteger(byteLength) || h.headerEnd + byteLength > avail) {
    r.fail(`npy: ${name} needs ${byteLength} bytes of data but only ${avail - h.headerEnd} are present`);
  }
  // Fortran order = column-major strides.
  let strides: number[] | undefined;
  if (h.fortran && h.shape.length > 1) {
    strides = [];
    let s = 1;
    for (const d of h.shape) {
      strides.push(s);
      s *= d;
    }
  }
  return { name, file: r.path, relFile, dtype: h.dtype, shape: h.shape, numel, offset: base + h.headerEnd, byteLength, strides, inMemory };
}

export function readNpy(r: PositionalReader, relFile: string): TensorRef[] {
  const head = r.read(0, Math.min(r.size, 12 + MAX_HEADER), 'npy header');
  const h = parseNpyHeader(head, (m) => r.fail(m));
  return [toRef(r, relFile, 'array', h, 0, r.size)];
}

export function readNpz(r: PositionalReader, relFile: string): { tensors: TensorRef[]; notes: string[] } {
  const tensors: TensorRef[] = [];
  const notes: string[] = [];
  for (const e of readZipDirectory(r)) {
    if (!e.name.endsWith('.npy')) {
      notes.push(`member ${e.name} is not .npy; ignored`);
      continue;
    }
    const name = e.name.slice(0, -4);
    const fail = (m: string): never => r.fail(`npz member ${e.name}: ${m}`);
    if (e.method === 0) {
      const off = entryDataOffset(r, e);
      const h = parseNpyHeader(r.read(off, Math.min(e.size, 12 + MAX_HEADER), 'npy header'), fail);
      tensors.push(toRef(r, relFile, name, h, off, e.size));
    } else {
      if (e.size > MAX_NPZ_INFLATE) {
        notes.push(`member ${e.name} is compressed and larger than ${MAX_NPZ_INFLATE} bytes; skipped`);
        continue;
      }
      const buf = readEntry(r, e, MAX_NPZ_INFLATE);
      const h = parseNpyHeader(buf, fail);
      const t = toRef(r, relFile, name, h, 0, buf.length, buf);
      tensors.push(t);
    }
  }
  return { tensors, notes };
}
