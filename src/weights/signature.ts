/**
 * Weight signature of a known (reference) model: format `scratch-audit/weights@1`.
 *
 * File: `<name>@<revision>.weights.json` (or `.weights.json.gz`), one JSON object, built offline by maintainers
 * from a local checkpoint with runBuildWeights(). Everything is derived data: hashes, statistics and a small
 * number of sampled values; never whole tensors.
 *
 *   format      "scratch-audit/weights@1"
 *   name        reference model id (e.g. "Qwen/Qwen2.5-VL-7B-Instruct"), revision (commit or tag)
 *   createdAt   ISO time; builder {tool, seed, samplesPerTensor, totalSamples}
 *   seed        global seed string. Sample positions of a tensor = samplePositions(seed, shape, numel, k): the
 *               candidate recomputes them from the shape, so renamed or re-sharded tensors still align.
 *   files[]     {path, bytes, sha256}: SHA-256 of each weights file (= its Git-LFS oid)
 *   config      normalized config.json subset (config.ts), or null; scheme: tensor-name templates digests
 *   components  per component: tensors and parameters counted (excluded tensors not counted)
 *   tensors[]   {name, key, component, role, layer?, dtype, shape, numel,
 *                hashes {raw, f32?, bf16?}  (first 128 bits of SHA-256, hex; see hashing.ts for the forms),
 *                stats (mean, std, absmean, min, max, l2, zero fraction, 5 quantiles, kurtosis; from a sample),
 *                sample? {k, values: base64 of k little-endian f32 values at the seeded positions},
 *                rows? {count, hashes: base64 of 8-byte bf16-form row hashes for a seeded subset of rows}}
 *   excluded[]  {name, reason}: constant, deterministic (rotary inv_freq, masks), tiny and integer tensors; listed,
 *               never matched, and not counted in parameter shares
 *   outliers    {width, top: channel indices with the largest aggregate deviation over the norm vectors}
 *   sketches[]  T2 row sketches of MLP gate/up for up to 4 probe layers (sketch.ts)
 *
 * Size: ~65K sampled values in total (k between 128 and 1024 per tensor) plus ~200 bytes per tensor: a few
 * hundred KB for a 7B model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { NameScheme, NormalizedConfig } from './config';
import { isFloat, type DType } from './dtypes';
import { listModelFiles } from './inventory';
import { analyzeModel, wantsRowHashes, type AnalyzedTensor } from './model';
import type { Component } from './naming';
import { rngFrom, samplePositions } from './prng';
import { projection, SKETCH_LAYERS, SKETCH_ROWS, sketchRow, encodeInt8, SKETCH_K, type RowSketch } from './sketch';
import type { TensorStats } from './stats';
import { readValues, ReaderPool } from './values';

export const WEIGHTS_SIGNATURE_FORMAT = 'scratch-audit/weights@1';
export const DEFAULT_SEED = 'scratch-audit/weights@1';
export const SAMPLE_BUDGET = 65536;
export const MIN_K = 128;
export const MAX_K = 1024;
const MAX_ROW_HASHES = 4096;

export interface SigTensor {
  name: string;
  key: string;
  component: Component;
  role: string;
  layer?: number;
  dtype: DType;
  shape: number[];
  numel: number;
  hashes: { raw?: string; f32?: string; bf16?: string };
  stats?: TensorStats;
  sample?: { k: number; values: string };
  rows?: { count: number; hashes: string };
}

export interface WeightSignature {
  format: typeof WEIGHTS_SIGNATURE_FORMAT;
  name: string;
  revision: string;
  licence?: string;
  createdAt: string;
  builder: { tool: string; samplesPerTensor: number; totalSamples: number };
  seed: string;
  files: { path: string; bytes: number; sha256: string }[];
  config: NormalizedConfig | null;
  scheme: NameScheme;
  components: Partial<Record<Component, { tensors: number; parameters: number }>>;
  tensors: SigTensor[];
  excluded: { name: string; reason: string }[];
  outliers: { width: number; top: number[] } | null;
  sketches: RowSketch[];
}

/** Samples per tensor for a model with n eligible tensors (same rule on both sides is not required: k is stored). */
export function samplesPerTensor(n: number): number {
  return Math.max(MIN_K, Math.min(MAX_K, Math.floor(SAMPLE_BUDGET / Math.max(1, n))));
}

export function isComparable(a: AnalyzedTensor): boolean {
  return !a.excluded && isFloat(a.ref.dtype) && !a.ref.unreadable;
}

export interface BuildOptions {
  name: string;
  revision: string;
  seed?: string;
  licence?: string;
  /** Skip T2 sketches (they need full reads of the probe matrices). */
  noSketches?: boolean;
}

export function buildSignature(modelDir: string, opts: BuildOptions): WeightSignature {
  const seed = opts.seed ?? DEFAULT_SEED;
  const { weights, configs } = listModelFiles(modelDir);
  if (!weights.length) throw new Error(`${modelDir}: no weights files found`);
  const pool = new ReaderPool();
  try {
    const m = analyzeModel(modelDir, weights, configs, { hash: 'full', seed, pool });
    const bad = m.files.filter((f) => f.error || f.unsafe || f.lfs);
    if (bad.length) {
      throw new Error(`cannot build a signature: ${bad.map((f) => f.error ?? (f.unsafe ? `${f.rel}: unsafe pickle` : `${f.rel}: Git-LFS pointer, not content`)).join('; ')}`);
    }
    const eligible = m.tensors.filter(isComparable);
    const k = samplesPerTensor(eligible.length);
    const tensors: SigTensor[] = [];
    const components: WeightSignature['components'] = {};
    let total = 0;
    for (const a of m.tensors) {
      if (a.excluded) continue;
      const t = a.ref;
      const st: SigTensor = {
        name: t.name, key: a.info.key, component: a.info.component, role: a.info.role, layer: a.info.layer,
        dtype: t.dtype, shape: t.shape, numel: t.numel,
        hashes: { raw: a.hashes?.raw, f32: a.hashes?.f32, bf16: a.hashes?.bf16 }, stats: a.stats,
      };
      if (isComparable(a)) {
        const kk = Math.min(k, t.numel);
        const vals = readValues(pool, t, samplePositions(seed, t.shape, t.numel, kk));
        const f = Buffer.from(Float32Array.from(vals).buffer);
        st.sample = { k: kk, values: f.toString('base64') };
        total += kk;
      }
      if (a.hashes?.rows && wantsRowHashes(a.info, t)) st.rows = pickRows(a.hashes.rows, seed);
      tensors.push(st);
      const c = (components[a.info.component] ??= { tensors: 0, parameters: 0 });
      c.tensors++;
      c.parameters += t.numel;
    }
    return {
      format: WEIGHTS_SIGNATURE_FORMAT, name: opts.name, revision: opts.revision, licence: opts.licence,
      createdAt: new Date().toISOString(),
      builder: { tool: 'scratch-audit', samplesPerTensor: k, totalSamples: total },
      seed,
      files: m.files.map((f) => ({ path: f.rel, bytes: f.bytes, sha256: m.fileHashes.get(f.rel) ?? '' })),
      config: m.config, scheme: m.scheme, components, tensors,
      excluded: m.tensors.filter((a) => a.excluded).map((a) => ({ name: a.ref.name, reason: a.excluded! })),
      outliers: outlierChannels(pool, m.tensors),
      sketches: opts.noSketches ? [] : buildSketches(pool, m.tensors, seed),
    };
  } finally {
    pool.close();
  }
}

function pickRows(rows: string[], seed: string): { count: number; hashes: string } {
  let idx = rows.map((h, i) => (h ? i : -1)).filter((i) => i >= 0);
  if (idx.length > MAX_ROW_HASHES) {
    const rng = rngFrom(`${seed}|rows|${rows.length}`);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    idx = idx.slice(0, MAX_ROW_HASHES).sort((a, b) => a - b);
  }
  return { count: rows.length, hashes: Buffer.concat(idx.map((i) => Buffer.from(rows[i], 'hex'))).toString('base64') };
}

/** Top channels by aggregate |v - median| over the backbone's norm vectors of the most common width. */
export function outlierChannels(pool: ReaderPool, tensors: AnalyzedTensor[]): { width: number; top: number[] } | null {
  const norms = tensors.filter((a) => a.info.role.startsWith('norm') && a.ref.shape.length === 1 && isFloat(a.ref.dtype) && !a.ref.unreadable && a.info.component === 'language-backbone');
  if (!norms.length) return null;
  const widths = new Map<number, number>();
  for (const a of norms) widths.set(a.ref.numel, (widths.get(a.ref.numel) ?? 0) + 1);
  const width = [...widths].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0][0];
  if (width < 16 || width > 1 << 20) return null;
  const agg = new Float64Array(width);
  for (const a of norms.filter((x) => x.ref.numel === width)) {
    const v = readValues(pool, a.ref, Array.from({ length: width }, (_, i) => i));
    const med = Float64Array.from(v).sort()[width >> 1];
    for (let i = 0; i < width; i++) agg[i] += Math.abs(v[i] - med);
  }
  const n = Math.min(32, Math.floor(width / 8));
  const top = Array.from(agg, (v, i) => [v, i] as [number, number]).sort((x, y) => y[0] - x[0]).slice(0, n).map(([, i]) => i).sort((x, y) => x - y);
  return { width, top };
}

/** Probe layers: up to SKETCH_LAYERS layers (evenly spaced) per component having both gate and up matrices. */
function buildSketches(pool: ReaderPool, tensors: AnalyzedTensor[], seed: string): RowSketch[] {
  const out: RowSketch[] = [];
  const byComp = new Map<string, Map<number, { gate?: AnalyzedTensor; up?: AnalyzedTensor }>>();
  for (const a of tensors) {
    if (a.info.layer === undefined || a.info.expert !== undefined || a.ref.shape.length !== 2 || !isComparable(a)) continue;
    if (a.info.role !== 'mlp_gate' && a.info.role !== 'mlp_up') continue;
    const m = byComp.get(a.info.component) ?? new Map();
    byComp.set(a.info.component, m);
    const e = m.get(a.info.layer) ?? {};
    if (a.info.role === 'mlp_gate') e.gate = a;
    else e.up = a;
    m.set(a.info.layer, e);
  }
  for (const [component, layers] of byComp) {
    const full = [...layers].filter(([, e]) => e.gate && e.up && e.gate.ref.shape.join() === e.up.ref.shape.join()).sort((x, y) => x[0] - y[0]);
    const step = Math.max(1, full.length / SKETCH_LAYERS);
    const picks = new Set<number>();
    for (let i = 0; i < full.length && picks.size < SKETCH_LAYERS; i += step) picks.add(Math.floor(i));
    for (const i of picks) {
      const [layer, e] = full[i];
      const [h, d] = e.gate!.ref.shape;
      const proj = projection(seed, d);
      const rows = samplePositions(`${seed}|rows`, [h], h, Math.min(SKETCH_ROWS, h));
      const sk = (a: AnalyzedTensor) => {
        // Only the sampled rows are read (one contiguous read each), not the whole matrix.
        const s = new Float32Array(rows.length * SKETCH_K);
        rows.forEach((r, i) => sketchRow(readValues(pool, a.ref, Array.from({ length: d }, (_, j) => r * d + j)), 0, d, proj, s, i * SKETCH_K));
        return encodeInt8(s);
      };
      out.push({ component, layer, h, d, rows, gate: sk(e.gate!), up: sk(e.up!) });
    }
  }
  return out;
}

export function signatureFileName(name: string, revision: string, gzip = false): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '__');
  return `${safe(name)}@${safe(revision)}.weights.json${gzip ? '.gz' : ''}`;
}

/** CLI entry: builds the signature of a local checkpoint folder and writes it to `out`; returns the file path. */
export async function runBuildWeights(
  modelDir: string, opts: { name: string; revision: string; out: string; gzip?: boolean; seed?: string; licence?: string },
): Promise<string> {
  const sig = buildSignature(modelDir, opts);
  fs.mkdirSync(opts.out, { recursive: true });
  const file = path.join(opts.out, signatureFileName(opts.name, opts.revision, opts.gzip));
  const text = JSON.stringify(sig);
  fs.writeFileSync(file, opts.gzip ? zlib.gzipSync(text) : text);
  return file;
}

export function parseSignature(text: string, source: string): WeightSignature {
  const j = JSON.parse(text) as WeightSignature;
  if (j.format !== WEIGHTS_SIGNATURE_FORMAT) throw new Error(`${source}: not a ${WEIGHTS_SIGNATURE_FORMAT} file (format ${JSON.stringify(j.format)})`);
  if (!Array.isArray(j.tensors) || typeof j.name !== 'string' || typeof j.seed !== 'string') throw new Error(`${source}: malformed weights signature`);
  return j;
}

/** Reads every `*.weights.json` / `*.weights.json.gz` in a folder (not recursive), sorted by file name. */
export function loadWeightSignatures(dir: string): WeightSignature[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.weights.json') || n.endsWith('.weights.json.gz'))
    .sort()
    .map((n) => {
      const p = path.join(dir, n);
      const raw = fs.readFileSync(p);
      const text = n.endsWith('.gz') ? zlib.gunzipSync(raw, { maxOutputLength: 512 * 1024 * 1024 }).toString('utf8') : raw.toString('utf8');
      return parseSignature(text, p);
    });
}

