// Zip central directory reader (with ZIP64) for torch archives and .npz. Stored entries are addressed by offset;
// deflated entries are inflated only when small, with the output capped (zip bombs).
import * as zlib from 'node:zlib';
import { type PositionalReader } from './io';

export interface ZipEntry {
  name: string;
  method: number; // 0 stored, 8 deflate
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** Absolute offset of the entry's data, filled by entryDataOffset. */
  dataOffset?: number;
}

const MAX_ENTRIES = 1_000_000;
export const MAX_INFLATE = 256 * 1024 * 1024;

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}

export function readZipDirectory(r: PositionalReader): ZipEntry[] {
  if (r.size < 22) r.fail('zip: file shorter than the end-of-central-directory record');
  const tailLen = Math.min(r.size, 22 + 65535 + 20);
  const tailPos = r.size - tailLen;
  const tail = r.read(tailPos, tailLen, 'zip end records');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) r.fail('zip: no end-of-central-directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) r.fail('zip: ZIP64 values without a ZIP64 locator');
    const z64Pos = num(r, tail.readBigUInt64LE(loc + 8), 'ZIP64 record offset');
    const z = r.read(z64Pos, 56, 'ZIP64 end record');
    if (z.readUInt32LE(0) !== 0x06064b50) r.fail('zip: bad ZIP64 end record signature');
    count = num(r, z.readBigUInt64LE(32), 'ZIP64 entry count');
    cdSize = num(r, z.readBigUInt64LE(40), 'ZIP64 directory size');
    cdOffset = num(r, z.readBigUInt64LE(48), 'ZIP64 directory offset');
  }
  if (count > MAX_ENTRIES || count * 46 > cdSize) r.fail(`zip: ${count} entries cannot fit in a ${cdSize}-byte directory`);
  r.check(cdOffset, cdSize, 'zip central directory');
  const cd = r.read(cdOffset, cdSize, 'zip central directory');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) r.fail(`zip: bad central directory entry ${i}`);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) r.fail(`zip: entry ${i} runs past the directory`);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // ZIP64 extra field: only the values that were 0xffffffff are present, in this order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (e + 4 + len > eEnd) r.fail(`zip: entry ${name} has a truncated extra field`);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (what: string): number => {
          if (q + 8 > e + 4 + len) r.fail(`zip: entry ${name} ZIP64 field lacks ${what}`);
          const v = num(r, cd.readBigUInt64LE(q), `${name} ${what}`);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next('size');
        if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('offset');
      }
      e += 4 + len;
    }
    if (localHeaderOffset + 30 + compressedSize > r.size) r.fail(`zip: entry ${name} runs past the end of the file`);
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function num(r: PositionalReader, v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`zip: ${what} ${v} is absurdly large`);
  return Number(v);
}

/** Absolute offset of the entry's bytes, from its local header. */
export function entryDataOffset(r: PositionalReader, e: ZipEntry): number {
  if (e.dataOffset !== undefined) return e.dataOffset;
  const h = r.read(e.localHeaderOffset, 30, `zip local header of ${e.name}`);
  if (h.readUInt32LE(0) !== 0x04034b50) r.fail(`zip: bad local header for ${e.name}`);
  const off = e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  r.check(off, e.compressedSize, `zip entry ${e.name}`);
  e.dataOffset = off;
  return off;
}

/** Whole entry in memory, inflating when needed; refuses anything above `limit` bytes. */
export function readEntry(r: PositionalReader, e: ZipEntry, limit = MAX_INFLATE): Buffer {
  const off = entryDataOffset(r, e);
  if (e.size > limit) r.fail(`zip: entry ${e.name} declares ${e.size} bytes, above the ${limit}-byte limit`);
  if (e.method === 0) {
    if (e.size !== e.compressedSize) r.fail(`zip: stored entry ${e.name} has different sizes`);
    return r.read(off, e.size, `zip entry ${e.name}`);
  }
  if (e.method !== 8) r.fail(`zip: entry ${e.name} uses unsupported compression method ${e.method}`);
  const raw = r.read(off, e.compressedSize, `zip entry ${e.name}`);
  let out: Buffer;
  try {
    // The cap is the declared size (+1 to notice a lie) and never more than the limit: bombs stop here.
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, Math.min(limit, e.size + 1)) });
  } catch (err) {
    r.fail(`zip: entry ${e.name} does not inflate within its declared size (${(err as Error).message})`);
  }
  if (out.length !== e.size) r.fail(`zip: entry ${e.name} inflates to ${out.length} bytes, not the declared ${e.size}`);
  return out;
}
