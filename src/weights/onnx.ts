// ONNX: protobuf wire format decoded by hand, streaming: we walk ModelProto -> graph -> initializer TensorProtos and
// record where raw_data lies without reading it. External data paths must stay inside the repository.
import { checkedNumel, ELEMENT_SIZE, type DType } from './dtypes';
import { ReadWindow, type PositionalReader } from './io';
import type { TensorRef } from './tensor';

const ONNX_TYPES: Record<number, DType> = {
  1: 'F32', 2: 'U8', 3: 'I8', 4: 'U16', 5: 'I16', 6: 'I32', 7: 'I64', 9: 'BOOL', 10: 'F16', 11: 'F64',
  12: 'U32', 13: 'U64', 16: 'BF16', 17: 'F8_E4M3', 19: 'F8_E5M2',
};

export interface OnnxInfo {
  producer?: string;
  metadata: Record<string, string>;
  tensors: TensorRef[];
  notes: string[];
}

/** Resolves an external-data location (relative to the model file) or throws when it escapes the repository. */
export type ExternalResolver = (location: string) => { abs: string; rel: string; size: number };

class Proto {
  private readonly window: ReadWindow;
  constructor(
    private readonly r: PositionalReader,
    public pos: number,
  ) {
    this.window = new ReadWindow(r, 1 << 16);
  }
  private byte(): number {
    if (this.pos >= this.r.size) this.r.fail(`onnx: truncated message at ${this.pos}`);
    return this.window.view(this.pos++, 1, 'onnx')[0];
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) {
        if (!Number.isSafeInteger(v)) this.r.fail(`onnx: varint too large at ${this.pos}`);
        return v;
      }
      mul *= 128;
    }
    return this.r.fail(`onnx: varint longer than 10 bytes at ${this.pos}`);
  }
  bytes(n: number): Buffer {
    this.r.check(this.pos, n, 'onnx field');
    const b = this.r.read(this.pos, n, 'onnx field');
    this.pos += n;
    return b;
  }
  /** Calls fn(field, wireType, end-of-value) for each field in [pos, end); fn must consume or skip. */
  fields(end: number, fn: (field: number, wt: number, len: number) => void): void {
    while (this.pos < end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wt = key & 7;
      let len = 0;
      if (wt === 2) {
        len = this.varint();
        if (this.pos + len > end) this.r.fail(`onnx: field ${field} of ${len} bytes runs past its message (at ${this.pos})`);
      } else if (wt === 3 || wt === 4) this.r.fail('onnx: protobuf groups are not supported');
      const start = this.pos;
      fn(field, wt, len);
      if (this.pos === start) this.skip(wt, len);
    }
    if (this.pos !== end) this.r.fail('onnx: message overruns its length');
  }
  skip(wt: number, len: number): void {
    if (wt === 0) this.varint();
    else if (wt === 1) this.pos += 8;
    else if (wt === 5) this.pos += 4;
    else if (wt === 2) this.pos += len;
    else this.r.fail(`onnx: unknown wire type ${wt}`);
  }
}

export function readOnnx(r: PositionalReader, relFile: string, resolve: ExternalResolver): OnnxInfo {
  const p = new Proto(r, 0);
  const info: OnnxInfo = { metadata: {}, tensors: [], notes: [] };
  let sawGraph = false;
  p.fields(r.size, (f, wt, len) => {
    if (f === 2 && wt === 2) info.producer = p.bytes(len).toString('utf8');
    else if (f === 14 && wt === 2) {
      const end = p.pos + len;
      let k = '';
      let v = '';
      p.fields(end, (ff, w2, l2) => {
        if (ff === 1 && w2 === 2) k = p.bytes(l2).toString('utf8');
        else if (ff === 2 && w2 === 2) v = p.bytes(l2).toString('utf8');
      });
      info.metadata[k] = v;
    } else if (f === 7 && wt === 2) {
      sawGraph = true;
      const end = p.pos + len;
      p.fields(end, (gf, gw, gl) => {
        if (gf === 5 && gw === 2) info.tensors.push(readTensor(p, r, relFile, p.pos + gl, resolve));
      });
    }
  });
  if (!sawGraph) r.fail('onnx: no graph in the model');
  return info;
}

function readTensor(p: Proto, r: PositionalReader, relFile: string, end: number, resolve: ExternalResolver): TensorRef {
  const dims: number[] = [];
  let type = 0;
  let name = '';
  let raw: { off: number; len: number } | undefined;
  const ext: Record<string, string> = {};
  let location = 0;
  p.fields(end, (f, wt, len) => {
    if (f === 1 && wt === 0) dims.push(p.varint());
    else if (f === 1 && wt === 2) {
      const e = p.pos + len;
      while (p.pos < e) dims.push(p.varint());
    } else if (f === 2 && wt === 0) type = p.varint();
    else if (f === 8 && wt === 2) name = p.bytes(len).toString('utf8');
    else if ((f === 9 || f === 4 || f === 10) && wt === 2) {
      // raw_data, or packed float_data/double_data, whose bytes are the same little-endian layout
      raw = { off: p.pos, len };
      p.pos += len;
    } else if (f === 13 && wt === 2) {
      const e = p.pos + len;
      let k = '';
      let v = '';
      p.fields(e, (ff, w2, l2) => {
        if (ff === 1 && w2 === 2) k = p.bytes(l2).toString('utf8');
        else if (ff === 2 && w2 === 2) v = p.bytes(l2).toString('utf8');
      });
      ext[k] = v;
    } else if (f === 14 && wt === 0) location = p.varint();
  });
  const what = `initializer ${JSON.stringify(name)}`;
  const dtype = ONNX_TYPES[type];
  if (!dtype) r.fail(`onnx: ${what} has unsupported data type ${type}`);
  const numel = checkedNumel(dims);
  if (numel === undefined) r.fail(`onnx: ${what} dims overflow`);
  const byteLength = numel * ELEMENT_SIZE[dtype as Exclude<DType, 'QUANT'>];
  if (location === 1 || ext.location !== undefined) {
    const loc = ext.location;
    if (!loc) r.fail(`onnx: ${what} is external but has no location`);
    const target = resolve(loc); // throws when the path escapes
    const off = ext.offset !== undefined ? Number(ext.offset) : 0;
    const len = ext.length !== undefined ? Number(ext.length) : byteLength;
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len !== byteLength) {
      r.fail(`onnx: ${what} external offset/length (${ext.offset}, ${ext.length}) do not match its ${byteLength} bytes`);
    }
    if (off + len > target.size) r.fail(`onnx: ${what} external data [${off}, ${off + len}) runs past the end of ${target.rel} (${target.size} bytes)`);
    return { name, file: target.abs, relFile: target.rel, dtype, shape: dims, numel, offset: off, byteLength };
  }
  if (!raw) {
    return { name, file: r.path, relFile, dtype, shape: dims, numel, offset: 0, byteLength: 0, unreadable: 'values stored in typed fields, not raw_data' };
  }
  if (raw.len !== byteLength) r.fail(`onnx: ${what} raw_data holds ${raw.len} bytes, dims x type need ${byteLength}`);
  return { name, file: r.path, relFile, dtype, shape: dims, numel, offset: raw.off, byteLength };
}
