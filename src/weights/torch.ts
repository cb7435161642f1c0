// PyTorch zip archives (.bin/.pt/.pth/.ckpt since torch 1.6): data.pkl is walked statically (pickle.ts), storages
// under data/<key> are addressed by offset. Legacy (pre-zip) files are refused rather than guessed at.
import { ELEMENT_SIZE, checkedNumel, type DType } from './dtypes';
import { type PositionalReader } from './io';
import { collectTensors, PickleError, walkPickle } from './pickle';
import type { TensorRef } from './tensor';
import { entryDataOffset, isZip, readEntry, readZipDirectory, type ZipEntry } from './zip';

export interface TorchInfo {
  tensors: TensorRef[];
  unsafe?: { reason: string; globals: string[]; entry: string };
  notes: string[];
}

const MAX_PICKLE = 256 * 1024 * 1024;

export function readTorch(r: PositionalReader, relFile: string): TorchInfo {
  const head = r.read(0, Math.min(8, r.size), 'magic');
  if (!isZip(head)) {
    if (head[0] === 0x80) r.fail('torch: legacy (pre-1.6, non-zip) serialization is not supported; convert to safetensors');
    r.fail('torch: not a zip archive');
  }
  const entries = readZipDirectory(r);
  const pkls = entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (!pkls.length) r.fail('torch: archive has no data.pkl');
  const notes: string[] = [];
  const otherPickles = entries.filter((e) => /\.pkl$/i.test(e.name) && !pkls.includes(e));
  const tensors: TensorRef[] = [];
  // Every pickle in the archive is walked: a second data.pkl or a stray .pkl is as dangerous as the first.
  for (const pkl of [...pkls, ...otherPickles]) {
    const buf = readEntry(r, pkl, MAX_PICKLE);
    let res;
    try {
      res = walkPickle(buf);
    } catch (e) {
      if (e instanceof PickleError) r.fail(`torch: ${pkl.name}: ${e.message}`);
      throw e;
    }
    if (res.status === 'unsafe') {
      return { tensors: [], unsafe: { reason: `${res.reason} (byte ${res.offset})`, globals: res.globals, entry: pkl.name }, notes };
    }
    if (pkl !== pkls[0]) {
      notes.push(`extra pickle ${pkl.name} ignored (walked: safe)`);
      continue;
    }
    const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
    const byName = new Map(entries.map((e) => [e.name, e] as [string, ZipEntry]));
    for (const { name, tensor } of collectTensors(res.root)) {
      const st = byName.get(`${prefix}data/${tensor.storage.key}`);
      if (!st) r.fail(`torch: tensor ${name} refers to missing storage ${tensor.storage.key}`);
      tensors.push(viewToRef(r, relFile, name, tensor.storage.dtype, tensor.storage.numel, st, tensor.offset, tensor.size, tensor.stride));
    }
  }
  return { tensors, notes };
}

function viewToRef(
  r: PositionalReader, relFile: string, name: string, dtype: DType, storageNumel: number, st: ZipEntry,
  offset: number, size: number[], stride: number[],
): TensorRef {
  const es = ELEMENT_SIZE[dtype as Exclude<DType, 'QUANT'>];
  const numel = checkedNumel(size);
  if (numel === undefined) r.fail(`torch: tensor ${name} size overflows`);
  if (st.method !== 0) r.fail(`torch: storage ${st.name} is compressed; torch writes storages uncompressed`);
  if (!Number.isSafeInteger(storageNumel * es) || storageNumel * es > st.size) {
    r.fail(`torch: storage ${st.name} declares ${storageNumel} elements but holds ${st.size} bytes`);
  }
  let maxIndex = offset;
  for (let i = 0; i < size.length; i++) {
    if (stride[i] < 0) r.fail(`torch: tensor ${name} has a negative stride`);
    if (size[i] > 0) maxIndex += (size[i] - 1) * stride[i];
  }
  if (numel > 0 && (offset < 0 || maxIndex >= storageNumel)) r.fail(`torch: tensor ${name} view exceeds its storage`);
  const base = entryDataOffset(r, st);
  const ref: TensorRef = {
    name, file: r.path, relFile, dtype, shape: size, numel, offset: base + offset * es, byteLength: numel * es, strides: stride,
  };
  return ref;
}
