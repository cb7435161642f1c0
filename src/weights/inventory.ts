// Opens weights files of any supported format into TensorRefs. Never throws for a bad file: the problem is kept on
// the record (named file + problem), so one hostile file cannot stop an audit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readGguf } from './gguf';
import { PositionalReader, WeightsFormatError } from './io';
import { parseLfsPointer, type LfsPointer } from './lfs';
import { readNpy, readNpz } from './npy';
import { readOnnx } from './onnx';
import { readSafetensors, readShardIndex } from './safetensors';
import type { TensorRef, WeightsFormat } from './tensor';
import { readTorch } from './torch';
import { isZip } from './zip';

export const WEIGHT_EXTENSIONS = ['.safetensors', '.bin', '.pt', '.pth', '.ckpt', '.gguf', '.onnx', '.npy', '.npz'];

export interface WeightsFile {
  rel: string;
  abs: string;
  bytes: number;
  format?: WeightsFormat;
  tensors: TensorRef[];
  lfs?: LfsPointer;
  unsafe?: { reason: string; globals: string[] };
  error?: string;
  notes: string[];
  metadata: Record<string, unknown>;
  baseModels?: { name?: string; organization?: string; repoUrl?: string }[];
}

export function isWeightsPath(p: string): boolean {
  const l = p.toLowerCase();
  return WEIGHT_EXTENSIONS.some((e) => l.endsWith(e));
}

function formatOf(rel: string, head: Buffer): WeightsFormat | undefined {
  const l = rel.toLowerCase();
  if (head.subarray(0, 4).toString('latin1') === 'GGUF') return 'gguf';
  if (head.subarray(0, 6).toString('latin1') === '\x93NUMPY') return 'npy';
  if (l.endsWith('.npz')) return 'npz';
  if (isZip(head)) return 'torch';
  if (l.endsWith('.safetensors')) return 'safetensors';
  if (l.endsWith('.onnx')) return 'onnx';
  if (l.endsWith('.gguf')) return 'gguf';
  if (l.endsWith('.npy')) return 'npy';
  if (/\.(bin|pt|pth|ckpt)$/.test(l)) return 'torch';
  return undefined;
}

/** Inside-the-repository check that also resolves symlinks. */
export function insideRoot(root: string, abs: string): boolean {
  let real: string;
  let realRoot: string;
  try {
    real = fs.realpathSync(abs);
    realRoot = fs.realpathSync(root);
  } catch {
    return false;
  }
  const rel = path.relative(realRoot, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function openWeightsFile(root: string, rel: string): WeightsFile {
  const abs = path.resolve(root, rel);
  const rec: WeightsFile = { rel, abs, bytes: 0, tensors: [], notes: [], metadata: {} };
  let r: PositionalReader | undefined;
  try {
    r = PositionalReader.open(abs, rel);
    rec.bytes = r.size;
    const head = r.read(0, Math.min(r.size, 1024), 'head');
    const lfs = parseLfsPointer(head);
    if (lfs) {
      rec.format = 'lfs-pointer';
      rec.lfs = lfs;
      return rec;
    }
    rec.format = formatOf(rel, head);
    switch (rec.format) {
      case 'safetensors': {
        const s = readSafetensors(r, rel);
        rec.tensors = s.tensors;
        rec.metadata = s.metadata;
        break;
      }
      case 'gguf': {
        const g = readGguf(r, rel);
        rec.tensors = g.tensors;
        rec.baseModels = g.baseModels;
        for (const [k, v] of Object.entries(g.metadata)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') rec.metadata[k] = v;
          else if (typeof v === 'bigint') rec.metadata[k] = Number(v);
        }
        break;
      }
      case 'torch': {
        const t = readTorch(r, rel);
        rec.tensors = t.tensors;
        rec.notes.push(...t.notes);
        if (t.unsafe) rec.unsafe = { reason: `${t.unsafe.entry}: ${t.unsafe.reason}`, globals: t.unsafe.globals };
        break;
      }
      case 'npy':
        rec.tensors = readNpy(r, rel);
        break;
      case 'npz': {
        const z = readNpz(r, rel);
        rec.tensors = z.tensors;
        rec.notes.push(...z.notes);
        break;
      }
      case 'onnx': {
        const dir = path.dirname(abs);
        const o = readOnnx(r, rel, (loc) => {
          if (path.isAbsolute(loc) || /^[a-zA-Z]:/.test(loc) || loc.split(/[\\/]/).includes('..')) {
            throw new WeightsFormatError(rel, `onnx: external data location ${JSON.stringify(loc)} escapes the model folder; refused`);
          }
          const target = path.resolve(dir, loc);
          if (!fs.existsSync(target)) throw new WeightsFormatError(rel, `onnx: external data ${JSON.stringify(loc)} does not exist`);
          if (!insideRoot(root, target)) throw new WeightsFormatError(rel, `onnx: external data ${JSON.stringify(loc)} resolves outside the repository; refused`);
          return { abs: target, rel: path.relative(root, target).split(path.sep).join('/'), size: fs.statSync(target).size };
        });
        rec.tensors = o.tensors;
        rec.notes.push(...o.notes);
        if (o.producer) rec.metadata.producer = o.producer;
        Object.assign(rec.metadata, o.metadata);
        break;
      }
      default:
        rec.error = `${rel}: not a weights format we can read`;
    }
  } catch (e) {
    rec.error = e instanceof WeightsFormatError ? e.message : `${rel}: ${(e as Error).message}`;
    rec.tensors = [];
  } finally {
    r?.close();
  }
  return rec;
}

/** Sharded safetensors: problems with `*.safetensors.index.json` files next to the given shards. */
export function checkShardIndexes(root: string, rels: string[]): string[] {
  const warnings: string[] = [];
  const dirs = new Set(rels.filter((r) => r.endsWith('.safetensors')).map((r) => path.dirname(path.resolve(root, r))));
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.safetensors.index.json'));
    } catch {
      continue;
    }
    for (const n of names) {
      const rel = path.relative(root, path.join(dir, n)).split(path.sep).join('/');
      try {
        const idx = readShardIndex(path.join(dir, n));
        if (idx.missing.length) warnings.push(`${rel}: shards missing from the folder: ${idx.missing.join(', ')}`);
      } catch (e) {
        warnings.push(`${rel}: ${(e as Error).message.replace(path.join(dir, n), '').replace(/^: /, '')}`);
      }
    }
  }
  return warnings;
}

/** Weights files under a folder (for signature building), repository-relative, sorted. */
export function listModelFiles(dir: string): { weights: string[]; configs: string[] } {
  const weights: string[] = [];
  const configs: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full).split(path.sep).join('/');
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && isWeightsPath(rel)) weights.push(rel);
      else if (e.isFile() && isConfigPath(rel)) configs.push(rel);
    }
  };
  walk(dir);
  return { weights: weights.sort(), configs: configs.sort() };
}

export function isConfigPath(rel: string): boolean {
  const b = path.basename(rel).toLowerCase();
  return b === 'config.json' || (b.endsWith('_config.json') && b !== 'tokenizer_config.json' && b !== 'generation_config.json');
}
