// safetensors: u64 LE header length, JSON header, raw data. Validated the way the reference implementation does,
// plus duplicate keys and hole/overlap checks (public PoCs abuse both).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkedNumel, ELEMENT_SIZE, type DType } from './dtypes';
import { type PositionalReader, readU64 } from './io';
import type { TensorRef } from './tensor';

export const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

const DTYPES: Record<string, DType> = {
  F64: 'F64', F32: 'F32', F16: 'F16', BF16: 'BF16', F8_E4M3: 'F8_E4M3', F8_E5M2: 'F8_E5M2',
  I64: 'I64', I32: 'I32', I16: 'I16', I8: 'I8', U64: 'U64', U32: 'U32', U16: 'U16', U8: 'U8', BOOL: 'BOOL',
};

export interface SafetensorsInfo {
  tensors: TensorRef[];
  metadata: Record<string, string>;
  headerBytes: number;
}

export function readSafetensors(r: PositionalReader, relFile: string): SafetensorsInfo {
  if (r.size < 8) r.fail('safetensors: file shorter than the 8-byte header length');
  const n = readU64(r, r.read(0, 8, 'header length'), 0, 'header length');
  if (n > MAX_SAFETENSORS_HEADER) r.fail(`safetensors: header of ${n} bytes exceeds the ${MAX_SAFETENSORS_HEADER}-byte limit`);
  if (8 + n > r.size) r.fail(`safetensors: header of ${n} bytes runs past the end of the file (${r.size} bytes)`);
  const text = r.read(8, n, 'header').toString('utf8');
  if (!text.startsWith('{')) r.fail('safetensors: header does not start with "{"');
  const dup = firstDuplicateTopLevelKey(text);
  if (dup !== undefined) r.fail(`safetensors: duplicate tensor name ${JSON.stringify(dup)} in header`);
  let header: unknown;
  try {
    header = JSON.parse(text.replace(/[ \0]+$/, ''));
  } catch (e) {
    r.fail(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) r.fail('safetensors: header is not a JSON object');
  const dataStart = 8 + n;
  const dataSize = r.size - dataStart;
  const tensors: TensorRef[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) r.fail('safetensors: __metadata__ is not an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') r.fail(`safetensors: __metadata__.${k} is not a string`);
      }
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const what = `tensor ${JSON.stringify(name)}`;
    if (!e || typeof e !== 'object') r.fail(`safetensors: ${what} is not an object`);
    const dtype = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dtype) r.fail(`safetensors: ${what} has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || e.shape.length > 16) r.fail(`safetensors: ${what} has an invalid shape`);
    const shape = e.shape as number[];
    const numel = checkedNumel(shape);
    if (numel === undefined) r.fail(`safetensors: ${what} shape ${JSON.stringify(shape)} overflows or is invalid`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      r.fail(`safetensors: ${what} has invalid data_offsets`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) r.fail(`safetensors: ${what} data_offsets end before they begin`);
    if (end > dataSize) r.fail(`safetensors: ${what} data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes)`);
    const bytes = numel * ELEMENT_SIZE[dtype as Exclude<DType, 'QUANT'>];
    if (!Number.isSafeInteger(bytes) || bytes !== end - begin) {
      r.fail(`safetensors: ${what} holds ${end - begin} bytes but shape x dtype needs ${bytes}`);
    }
    tensors.push({ name, file: r.path, relFile, dtype, shape, numel, offset: dataStart + begin, byteLength: bytes });
  }
  checkCoverage(r, tensors, dataStart, dataSize);
  return { tensors, metadata, headerBytes: n };
}

/** Ranges must tile the data buffer exactly: no overlap (aliasing), no holes (hidden payloads). */
function checkCoverage(r: PositionalReader, tensors: TensorRef[], dataStart: number, dataSize: number): void {
  const sorted = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  let pos = dataStart;
  for (const t of sorted) {
    if (t.offset < pos) r.fail(`safetensors: tensor ${JSON.stringify(t.name)} overlaps the previous tensor`);
    if (t.offset > pos) r.fail(`safetensors: ${t.offset - pos} unaccounted bytes before tensor ${JSON.stringify(t.name)}`);
    pos = t.offset + t.byteLength;
  }
  if (pos !== dataStart + dataSize) r.fail(`safetensors: ${dataStart + dataSize - pos} unaccounted bytes after the last tensor`);
}

/** JSON.parse silently keeps the last of duplicate keys; scan the top level ourselves. */
export function firstDuplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return undefined; // JSON.parse will report it
        }
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return undefined;
}

export interface ShardIndex {
  indexFile: string; // absolute
  totalSize?: number;
  shards: string[]; // absolute paths of the shard files named in weight_map
  missing: string[]; // shard names that do not exist
  tensorsByShard: Map<string, number>;
}

/** Reads `*.safetensors.index.json`: shard names must be plain file names in the same folder. */
export function readShardIndex(indexFile: string): ShardIndex {
  const st = fs.statSync(indexFile);
  if (st.size > 64 * 1024 * 1024) throw new Error(`${indexFile}: index of ${st.size} bytes is too large`);
  const j = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { metadata?: { total_size?: unknown }; weight_map?: unknown };
  if (!j.weight_map || typeof j.weight_map !== 'object') throw new Error(`${indexFile}: no weight_map object`);
  const dir = path.dirname(indexFile);
  const counts = new Map<string, number>();
  for (const [t, f] of Object.entries(j.weight_map as Record<string, unknown>)) {
    if (typeof f !== 'string' || f.includes('/') || f.includes('\\') || f === '..' || f === '.') {
      throw new Error(`${indexFile}: tensor ${JSON.stringify(t)} maps to an invalid shard name ${JSON.stringify(f)}`);
    }
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  const shards = [...counts.keys()].sort().map((f) => path.join(dir, f));
  return {
    indexFile,
    totalSize: typeof j.metadata?.total_size === 'number' ? j.metadata.total_size : undefined,
    shards: shards.filter((s) => fs.existsSync(s)),
    missing: shards.filter((s) => !fs.existsSync(s)).map((s) => path.basename(s)),
    tensorsByShard: counts,
  };
}
