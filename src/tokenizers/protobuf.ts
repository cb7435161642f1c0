// Minimal protobuf wire-format reader: enough to walk SentencePiece models without generated code.
// Every read is bounds-checked; malformed input throws a WireError, never reads past the buffer.

export class WireError extends Error {}

export interface WireField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varint value (wire type 0), when it fits in a double exactly. */
  varint?: number;
  /** Start/end of the payload within the buffer (wire types 1, 2, 5). */
  start: number;
  end: number;
}

function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new WireError(`truncated varint at byte ${pos}`);
    const byte = buf[pos + i];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  throw new WireError(`varint longer than 10 bytes at byte ${pos}`);
}

/** Iterates the fields of one message occupying buf[start, end). */
export function* readFields(buf: Uint8Array, start = 0, end = buf.length): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field < 1) throw new WireError(`invalid field number 0 at byte ${pos}`);
    if (wireType === 0) {
      const v = readVarint(buf, pos);
      if (v.next > end) throw new WireError(`varint runs past its message at byte ${pos}`);
      yield { field, wireType, varint: v.value, start: pos, end: v.next };
      pos = v.next;
    } else if (wireType === 2) {
      const len = readVarint(buf, pos);
      const s = len.next;
      const e = s + len.value;
      if (e > end) throw new WireError(`length ${len.value} at byte ${pos} runs past the end (${end})`);
      yield { field, wireType, start: s, end: e };
      pos = e;
    } else if (wireType === 1 || wireType === 5) {
      const e = pos + (wireType === 1 ? 8 : 4);
      if (e > end) throw new WireError(`fixed-width field at byte ${pos} runs past the end`);
      yield { field, wireType, start: pos, end: e };
      pos = e;
    } else {
      throw new WireError(`unsupported wire type ${wireType} (field ${field}) at byte ${pos}`);
    }
  }
}

export function fieldString(buf: Uint8Array, f: WireField): string {
  if (f.wireType !== 2) throw new WireError(`field ${f.field}: expected a string, got wire type ${f.wireType}`);
  return Buffer.from(buf.buffer, buf.byteOffset + f.start, f.end - f.start).toString('utf8');
}

export function fieldFloat(buf: Uint8Array, f: WireField): number {
  if (f.wireType !== 5) throw new WireError(`field ${f.field}: expected a float, got wire type ${f.wireType}`);
  return Buffer.from(buf.buffer, buf.byteOffset + f.start, 4).readFloatLE(0);
}

export function fieldVarint(f: WireField): number {
  if (f.wireType !== 0 || f.varint === undefined) throw new WireError(`field ${f.field}: expected a varint`);
  return f.varint;
}

// Writers: used by tests and fixtures to encode messages by hand.
export function encodeVarint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

export function encodeBytesField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(encodeVarint(field * 8 + 2)), Buffer.from(encodeVarint(payload.length)), payload]);
}

export function encodeStringField(field: number, s: string): Buffer {
  return encodeBytesField(field, Buffer.from(s, 'utf8'));
}

export function encodeVarintField(field: number, n: number): Buffer {
  return Buffer.from([...encodeVarint(field * 8), ...encodeVarint(n)]);
}

export function encodeFloatField(field: number, x: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x, 0);
  return Buffer.concat([Buffer.from(encodeVarint(field * 8 + 5)), b]);
}
