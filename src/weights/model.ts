// A model as the detectors see it: tensors with names classified, exclusions decided, and (in full mode) hashes.
// Shared by the signature builder (reference side) and detectWeights (candidate side).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeConfig, nameScheme, type NameScheme, type NormalizedConfig } from './config';
import { isFloat } from './dtypes';
import { hashFileFull, hashTensorAlone, type TensorHashes } from './hashing';
import { PositionalReader } from './io';
import { checkShardIndexes, openWeightsFile, type WeightsFile } from './inventory';
import { classifyName, type NameInfo } from './naming';
import { samplePositions } from './prng';
import { exclusionReason, sampleStats, type TensorStats } from './stats';
import type { TensorRef } from './tensor';
import { readValues, type ReaderPool } from './values';

export interface AnalyzedTensor {
  ref: TensorRef;
  info: NameInfo;
  excluded?: string;
  hashes?: TensorHashes;
  stats?: TensorStats;
}

export interface AnalyzedModel {
  files: WeightsFile[];
  /** rel path -> sha256 of the file (full mode), or the LFS oid for pointer files. */
  fileHashes: Map<string, string>;
  tensors: AnalyzedTensor[];
  config: NormalizedConfig | null;
  scheme: NameScheme;
  warnings: string[];
  hashing: 'full' | 'sampled';
}

export type HashMode = 'full' | 'sampled';

/** Values sampled per tensor for statistics and exclusion rules (own seed, not the reference's). */
const STATS_SAMPLE = 1024;

export function wantsRowHashes(info: NameInfo, t: TensorRef): boolean {
  return (info.role === 'embed' || info.role === 'lm_head') && t.shape.length === 2 && isFloat(t.dtype) && !t.unreadable;
}

export function analyzeModel(
  root: string, weightRels: string[], configRels: string[], opts: { hash: HashMode; seed: string; pool: ReaderPool },
): AnalyzedModel {
  const warnings: string[] = [...checkShardIndexes(root, weightRels)];
  // safetensors first: when a repository ships the same weights twice (.bin and .safetensors), keep one copy.
  const order = (r: string) => (r.endsWith('.safetensors') ? 0 : r.endsWith('.gguf') ? 2 : 1);
  const rels = [...weightRels].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const files = rels.map((r) => openWeightsFile(root, r));
  const fileHashes = new Map<string, string>();
  const tensors: AnalyzedTensor[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    if (f.error) warnings.push(f.error);
    if (f.unsafe) warnings.push(`${f.rel}: unsafe pickle: ${f.unsafe.reason}`);
    if (f.lfs) fileHashes.set(f.rel, f.lfs.oid);
    for (const n of f.notes) warnings.push(`${f.rel}: ${n}`);
    for (const t of f.tensors) {
      const key = `${t.name}|${t.shape.join('x')}`;
      if (seen.has(key)) {
        continue; // same tensor in another format of the same checkpoint
      }
      seen.set(key, f.rel);
      tensors.push({ ref: t, info: classifyName(t.name) });
    }
  }
  for (const a of tensors) {
    const t = a.ref;
    let sample: Float64Array | undefined;
    let ordered: Float64Array | undefined;
    if (isFloat(t.dtype) && !t.unreadable && t.numel > 0) {
      try {
        const pos = samplePositions(opts.seed, t.shape, t.numel, Math.min(t.numel, STATS_SAMPLE));
        sample = readValues(opts.pool, t, pos);
        const idx = pos.map((p, i) => [p, i] as [number, number]).sort((x, y) => x[0] - y[0]);
        ordered = Float64Array.from(idx, ([, i]) => sample![i]);
        a.stats = sampleStats(sample, t.numel);
      } catch (e) {
        a.excluded = `unreadable: ${(e as Error).message}`;
        warnings.push((e as Error).message);
        continue;
      }
    }
    a.excluded = exclusionReason(t.name, t.dtype, t.numel, sample, t.shape.length === 1 ? ordered : undefined);
    if (!a.excluded && t.unreadable && t.dtype !== 'QUANT') a.excluded = t.unreadable;
  }
  if (opts.hash === 'full') {
    for (const f of files) {
      if (f.error || f.lfs || f.unsafe) continue;
      const r = PositionalReader.open(f.abs, f.rel);
      try {
        const mine = tensors.filter((a) => a.ref.file === f.abs);
        const rowsFor = new Set(mine.filter((a) => wantsRowHashes(a.info, a.ref)).map((a) => a.ref));
        const res = hashFileFull(r, mine.map((a) => a.ref), (t) => rowsFor.has(t));
        fileHashes.set(f.rel, res.sha256);
        for (const a of mine) a.hashes = res.tensors.get(a.ref);
      } catch (e) {
        warnings.push((e as Error).message);
      } finally {
        r.close();
      }
    }
    for (const a of tensors) {
      if (a.hashes) continue;
      try {
        a.hashes = hashTensorAlone(opts.pool, a.ref, wantsRowHashes(a.info, a.ref));
      } catch (e) {
        warnings.push((e as Error).message);
      }
    }
  }
  const templates = new Map<string, Set<string>>();
  for (const a of tensors) {
    if (!templates.has(a.info.component)) templates.set(a.info.component, new Set());
    templates.get(a.info.component)!.add(a.info.template);
  }
  return { files, fileHashes, tensors, config: readMainConfig(root, configRels, warnings), scheme: nameScheme(templates), warnings, hashing: opts.hash };
}

/** The shallowest config.json (the model's own), normalized; sub-configs come from its *_config blocks. */
function readMainConfig(root: string, configRels: string[], warnings: string[]): NormalizedConfig | null {
  const cands = configRels.filter((r) => path.basename(r) === 'config.json').sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const rel of cands) {
    try {
      const abs = path.resolve(root, rel);
      if (fs.statSync(abs).size > 16 * 1024 * 1024) {
        warnings.push(`${rel}: config larger than 16 MB; ignored`);
        continue;
      }
      return { ...normalizeConfig(JSON.parse(fs.readFileSync(abs, 'utf8'))), rel };
    } catch (e) {
      warnings.push(`${rel}: config is not valid JSON (${(e as Error).message})`);
    }
  }
  return null;
}
