// Comparison of a candidate model with one reference signature (research notes §6.2):
//   T0  exact hashes (file, tensor in 3 forms, embedding rows)                       -> conclusive
//   T1  at the reference's seeded positions: bf16/f16/exact bit-equality vs a chance rate estimated from cyclic
//       shifts (binomial tail), and centred (Pearson) correlation with a null sd = max(1/sqrt(K-3), sd of r over
//       the shifts); per tensor p = 2 min(p_eq, p_corr); Fisher across the tensors of a component
//   T2  row-sketch agreement of MLP gate/up (sketch.ts), with `deep` or when lineage is high and T1 is silent
// Raw cosine is computed and reported, never used: positive vectors (norm weights) give ~0.99 by construction.
import { compareLineage, type Lineage } from './config';
import { commonGrid, gridKey, isFloat } from './dtypes';
import type { AnalyzedModel, AnalyzedTensor } from './model';
import { COMPONENTS, type Component } from './naming';
import { samplePositions } from './prng';
import { log10BinomUpper, log10Bonferroni, log10Fisher, log10HypergeomUpper, log10NormalUpper } from './pvalues';
import { isComparable, outlierChannels, type SigTensor, type WeightSignature } from './signature';
import { matchSketch, projection, sketchAllRows, type SketchMatch } from './sketch';
import { NONTRIVIAL_NUMEL } from './stats';
import { readValues, type ReaderPool } from './values';

export type Level = 'CONCLUSIVE' | 'STRONG' | 'REVIEW' | 'NONE' | 'INFO';

/** Decision thresholds (log10 p). Kept together so reports and docs can cite them. */
export const THRESHOLDS = {
  /** CONCLUSIVE: bit-equality p below this on at least min(`conclusiveEqTensors`, tensors tested) tensors. */
  conclusiveEqLog10p: -30,
  conclusiveEqTensors: 3,
  /** Embedding rows found by exact row hash. */
  conclusiveRowHits: 16,
  /** STRONG: combined (Fisher, Bonferroni over references x components) p below this ... */
  strongLog10p: -12,
  /** ... with at least min(3, tensors tested) tensors individually below this (after Bonferroni) ... */
  strongTensorLog10p: -4,
  strongTensors: 3,
  /** ... and the median centred r of those tensors above this. */
  strongMedianR: 0.3,
  /** REVIEW: combined p below this. */
  reviewLog10p: -6,
  /** T2 row-sketch agreement. */
  sketchStrongLog10p: -12,
  sketchReviewLog10p: -6,
  /** Auto-run T2 (without `deep`, in full-hashing mode) when the lineage score reaches this and T1 found nothing. */
  lineageForT2: 0.6,
};

/** Number of cyclic shifts used as the null. */
const SHIFTS = 50;

export interface PairResult {
  cand: string;
  ref: string;
  component: Component;
  role: string;
  numel: number;
  transposed: boolean;
  /** How the pair was chosen: by name key, or by shape among `tried` reference tensors. */
  pairing: 'key' | 'shape';
  tried: number;
  k: number;
  r: number;
  rawCos: number;
  sigmaNull: number;
  z: number;
  shiftP: number;
  equal: number;
  p0: number;
  grid: string;
  log10pEq: number;
  log10pCorr: number;
  /** Per-tensor p (both tests, Bonferroni over `tried`). */
  log10p: number;
}

export interface HashHit {
  cand: string;
  ref: string;
  kind: 'raw' | 'f32' | 'bf16' | 'file';
  component: Component;
  numel: number;
  nontrivial: boolean;
}

export interface RowHit {
  cand: string;
  ref: string;
  component: Component;
  hits: number;
  refRows: number;
}

export interface ComponentResult {
  component: Component;
  level: Level;
  candidateTensors: number;
  candidateParameters: number;
  /** Parameters of tensors carrying evidence, counted when the level is STRONG or CONCLUSIVE. */
  derivedParameters: number;
  share: number;
  hashHits: HashHit[];
  rowHits: RowHit[];
  pairs: PairResult[];
  log10pCombined: number;
  significant: number;
  medianR: number;
  equalityConclusive: number;
  sketches: SketchMatch[];
  log10pSketch?: number;
  reasons: string[];
}

export interface RefComparison {
  reference: string;
  revision: string;
  level: Level;
  components: ComponentResult[];
  fileHits: { cand: string; refFile: string; sha256: string }[];
  lineage: Lineage;
  outliers?: { width: number; overlap: number; of: number; log10p: number };
  /** Norm vectors with high raw cosine but no centred correlation (the LayerNorm trap), for the report. */
  rawCosineTrap?: { tensors: number; meanRawCos: number; meanR: number };
  t2: 'run' | 'skipped';
  notes: string[];
}

const LEVEL_ORDER: Level[] = ['NONE', 'INFO', 'REVIEW', 'STRONG', 'CONCLUSIVE'];
export const levelRank = (l: Level) => LEVEL_ORDER.indexOf(l);
export const maxLevel = (a: Level, b: Level): Level => (levelRank(a) >= levelRank(b) ? a : b);

function pearson(a: Float64Array, b: Float64Array, shift = 0): number {
  const n = a.length;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n, mb = sb / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[(i + shift) % n] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  const d = Math.sqrt(saa * sbb);
  return d > 0 ? sab / d : 0;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** T1 statistics for one aligned pair of samples. Exported for tests. */
export function testPair(c: Float64Array, r: Float64Array, grid: ReturnType<typeof commonGrid>): Omit<PairResult, 'cand' | 'ref' | 'component' | 'role' | 'numel' | 'transposed' | 'pairing' | 'tried' | 'log10p'> {
  const k = c.length;
  const ck = Array.from(c, (v) => gridKey(v, grid));
  const rk = Array.from(r, (v) => gridKey(v, grid));
  let equal = 0;
  for (let i = 0; i < k; i++) if (ck[i] === rk[i]) equal++;
  const rr = pearson(c, r);
  const S = Math.min(SHIFTS, k - 1);
  let shiftEq = 0;
  let ss = 0;
  let exceed = 0;
  for (let j = 0; j < S; j++) {
    const s = 1 + Math.floor((j * (k - 1)) / S);
    for (let i = 0; i < k; i++) if (ck[i] === rk[(i + s) % k]) shiftEq++;
    const rs = pearson(c, r, s);
    ss += rs * rs;
    if (Math.abs(rs) >= Math.abs(rr)) exceed++;
  }
  const p0 = (shiftEq + 1) / (S * k + 1);
  const sigmaNull = Math.max(1 / Math.sqrt(Math.max(1, k - 3)), S ? Math.sqrt(ss / S) : 1);
  const rc = Math.max(-1 + 1e-12, Math.min(1 - 1e-12, rr));
  const z = Math.atanh(rc) / sigmaNull;
  const log10pCorr = Math.min(0, Math.log10(2) + log10NormalUpper(Math.abs(z)));
  const log10pEq = log10BinomUpper(equal, k, p0);
  return { k, r: rr, rawCos: cosine(c, r), sigmaNull, z, shiftP: (1 + exceed) / (S + 1), equal, p0, grid, log10pEq, log10pCorr };
}

function decodeSample(s: SigTensor): Float64Array {
  const b = Buffer.from(s.sample!.values, 'base64');
  const f = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  return Float64Array.from(f);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const transposedShape = (a: readonly number[], b: readonly number[]) => a.length === 2 && b.length === 2 && a[0] === b[1] && a[1] === b[0] && a[0] !== a[1];

/** Candidate values at the reference's positions (mapped through a transpose when needed). */
function candidateSample(pool: ReaderPool, a: AnalyzedTensor, s: SigTensor, seed: string, transposed: boolean): Float64Array {
  let pos = samplePositions(seed, s.shape, s.numel, s.sample!.k);
  if (transposed) {
    const [rows, cols] = s.shape;
    pos = pos.map((p) => (p % cols) * rows + Math.floor(p / cols));
  }
  return readValues(pool, a.ref, pos);
}

export interface CompareContext {
  pool: ReaderPool;
  nRefs: number;
  deep: boolean;
}

export function compareWithReference(cand: AnalyzedModel, sig: WeightSignature, ctx: CompareContext): RefComparison {
  const notes: string[] = [];
  const comparable = cand.tensors.filter(isComparable);
  const counted = cand.tensors.filter((a) => !a.excluded);
  const totalParams = counted.reduce((s, a) => s + a.ref.numel, 0);

  // T0: files
  const refFileHashes = new Map(sig.files.filter((f) => f.sha256).map((f) => [f.sha256, f.path]));
  const fileHits: RefComparison['fileHits'] = [];
  for (const [rel, sha] of cand.fileHashes) {
    const rf = refFileHashes.get(sha);
    if (rf) fileHits.push({ cand: rel, refFile: rf, sha256: sha });
  }
  const hitFiles = new Set(fileHits.map((h) => h.cand));

  // T0: tensors
  const idx = new Map<string, SigTensor>();
  for (const s of sig.tensors) {
    if (s.hashes.raw) idx.set(`raw:${s.dtype}:${s.hashes.raw}`, s);
    if (s.hashes.f32) idx.set(`f32:${s.hashes.f32}`, s);
    if (s.hashes.bf16) idx.set(`bf16:${s.hashes.bf16}`, s);
  }
  const hashHits: HashHit[] = [];
  for (const a of counted) {
    const h = a.hashes;
    const inHitFile = cand.files.some((f) => f.abs === a.ref.file && hitFiles.has(f.rel));
    let hit: { s?: SigTensor; kind: HashHit['kind'] } | undefined;
    if (h?.raw && idx.has(`raw:${a.ref.dtype}:${h.raw}`)) hit = { s: idx.get(`raw:${a.ref.dtype}:${h.raw}`), kind: 'raw' };
    else if (h?.f32 && idx.has(`f32:${h.f32}`)) hit = { s: idx.get(`f32:${h.f32}`), kind: 'f32' };
    else if (h?.bf16 && idx.has(`bf16:${h.bf16}`)) hit = { s: idx.get(`bf16:${h.bf16}`), kind: 'bf16' };
    else if (inHitFile) hit = { kind: 'file' };
    if (hit) {
      hashHits.push({ cand: a.ref.name, ref: hit.s?.name ?? '(whole file)', kind: hit.kind, component: a.info.component, numel: a.ref.numel, nontrivial: a.ref.numel >= NONTRIVIAL_NUMEL });
    }
  }

  // T0: embedding rows (re-indexed or extended vocabularies)
  const rowHits: RowHit[] = [];
  const refRows = sig.tensors.filter((s) => s.rows);
  for (const a of counted) {
    const rows = a.hashes?.rows;
    if (!rows) continue;
    const mine = new Set(rows.filter((x) => x));
    for (const s of refRows) {
      const b = Buffer.from(s.rows!.hashes, 'base64');
      let hits = 0;
      for (let o = 0; o + 8 <= b.length; o += 8) if (mine.has(b.toString('hex', o, o + 8))) hits++;
      if (hits) rowHits.push({ cand: a.ref.name, ref: s.name, component: a.info.component, hits, refRows: b.length / 8 });
    }
  }

  // T1: pair by name key (shape or transpose must agree), else by shape among unpaired reference tensors.
  const sampled = sig.tensors.filter((s) => s.sample);
  const byKey = new Map<string, SigTensor[]>();
  for (const s of sampled) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  const used = new Set<SigTensor>();
  const plan: { a: AnalyzedTensor; options: { s: SigTensor; transposed: boolean }[]; pairing: 'key' | 'shape' }[] = [];
  const unpaired: AnalyzedTensor[] = [];
  for (const a of comparable) {
    const opts = (byKey.get(a.info.key) ?? []).filter((s) => sameShape(s.shape, a.ref.shape) || transposedShape(s.shape, a.ref.shape));
    if (opts.length) {
      const s = opts.find((x) => sameShape(x.shape, a.ref.shape)) ?? opts[0];
      used.add(s);
      plan.push({ a, options: [{ s, transposed: !sameShape(s.shape, a.ref.shape) }], pairing: 'key' });
    } else unpaired.push(a);
  }
  const free = sampled.filter((s) => !used.has(s));
  for (const a of unpaired) {
    const options = free
      .filter((s) => sameShape(s.shape, a.ref.shape) || transposedShape(s.shape, a.ref.shape))
      .filter((s) => s.component === a.info.component || free.length < 4096)
      .slice(0, 16)
      .map((s) => ({ s, transposed: !sameShape(s.shape, a.ref.shape) }));
    if (options.length) plan.push({ a, options, pairing: 'shape' });
  }
  const nTests = Math.max(1, plan.reduce((n, p) => n + p.options.length, 0)) * ctx.nRefs;
  const pairs: PairResult[] = [];
  for (const { a, options, pairing } of plan) {
    let best: PairResult | undefined;
    for (const { s, transposed } of options) {
      let c: Float64Array;
      try {
        c = candidateSample(ctx.pool, a, s, sig.seed, transposed);
      } catch (e) {
        notes.push((e as Error).message);
        continue;
      }
      const t = testPair(c, decodeSample(s), commonGrid(a.ref.dtype, s.dtype));
      const log10p = log10Bonferroni(Math.log10(2) + Math.min(t.log10pEq, t.log10pCorr), options.length);
      const pr: PairResult = { ...t, cand: a.ref.name, ref: s.name, component: a.info.component, role: a.info.role, numel: a.ref.numel, transposed, pairing, tried: options.length, log10p };
      if (!best || pr.log10p < best.log10p) best = pr;
    }
    if (best) pairs.push(best);
  }

  // Per component
  const components: ComponentResult[] = [];
  const nComp = new Set(counted.map((a) => a.info.component)).size || 1;
  for (const comp of COMPONENTS) {
    const mine = counted.filter((a) => a.info.component === comp);
    if (!mine.length) continue;
    const params = mine.reduce((s, a) => s + a.ref.numel, 0);
    const hh = hashHits.filter((h) => h.component === comp);
    const rh = rowHits.filter((h) => h.component === comp);
    const pp = pairs.filter((p) => p.component === comp);
    const sig1 = pp.filter((p) => p.log10p + Math.log10(nTests) < THRESHOLDS.strongTensorLog10p);
    const rs = sig1.map((p) => Math.abs(p.r)).sort((x, y) => x - y);
    const medianR = rs.length ? rs[Math.floor(rs.length / 2)] : 0;
    const eqC = pp.filter((p) => p.log10pEq < THRESHOLDS.conclusiveEqLog10p).length;
    const log10pCombined = pp.length ? log10Bonferroni(log10Fisher(pp.map((p) => p.log10p)), ctx.nRefs * nComp) : 0;
    components.push({
      component: comp, level: 'NONE', candidateTensors: mine.length, candidateParameters: params, derivedParameters: 0,
      share: totalParams ? params / totalParams : 0, hashHits: hh, rowHits: rh, pairs: pp, log10pCombined,
      significant: sig1.length, medianR, equalityConclusive: eqC, sketches: [], reasons: [],
    });
  }

  const lineage = compareLineage(cand.config, sig.config, cand.scheme, sig.scheme);
  for (const c of components) decide(c);

  // T2 when asked, or when the architecture lineage is high and T1 found nothing.
  const overall = () => components.reduce<Level>((l, c) => maxLevel(l, c.level), fileHits.length ? 'CONCLUSIVE' : 'NONE');
  let t2: RefComparison['t2'] = 'skipped';
  // Automatic T2 reads whole gate/up matrices of the probe layers, so it only runs where full reads are the plan.
  const auto = cand.hashing === 'full' && lineage.score >= THRESHOLDS.lineageForT2 && levelRank(overall()) < levelRank('STRONG');
  if (sig.sketches?.length && (ctx.deep || auto)) {
    t2 = 'run';
    runSketches(cand, sig, ctx, components, notes);
    for (const c of components) decide(c);
  }

  // Supporting: outlier channels (hypergeometric), never moves a level.
  let outliers: RefComparison['outliers'];
  if (sig.outliers) {
    const mine = outlierChannels(ctx.pool, cand.tensors);
    if (mine && mine.width === sig.outliers.width) {
      const set = new Set(sig.outliers.top);
      const overlap = mine.top.filter((i) => set.has(i)).length;
      outliers = { width: mine.width, overlap, of: sig.outliers.top.length, log10p: log10HypergeomUpper(overlap, mine.width, mine.top.length, sig.outliers.top.length) };
    }
  }

  const normPairs = pairs.filter((p) => p.role.startsWith('norm'));
  let rawCosineTrap: RefComparison['rawCosineTrap'];
  if (normPairs.length) {
    const meanRawCos = normPairs.reduce((s, p) => s + p.rawCos, 0) / normPairs.length;
    const meanR = normPairs.reduce((s, p) => s + p.r, 0) / normPairs.length;
    rawCosineTrap = { tensors: normPairs.length, meanRawCos, meanR };
  }
  return { reference: sig.name, revision: sig.revision, level: overall(), components, fileHits, lineage, outliers, rawCosineTrap, t2, notes };
}

function decide(c: ComponentResult): void {
  const reasons: string[] = [];
  let level: Level = 'NONE';
  const nontrivialHits = c.hashHits.filter((h) => h.nontrivial);
  const rowHits = c.rowHits.reduce((m, h) => Math.max(m, h.hits), 0);
  if (nontrivialHits.length) reasons.push(`${nontrivialHits.length} non-trivial tensor(s) identical by hash`);
  if (rowHits >= THRESHOLDS.conclusiveRowHits) reasons.push(`${rowHits} embedding rows identical by hash`);
  if (c.pairs.length && c.equalityConclusive >= Math.min(THRESHOLDS.conclusiveEqTensors, c.pairs.length)) reasons.push(`${c.equalityConclusive} tensors with bit-equality p < 1e${THRESHOLDS.conclusiveEqLog10p}`);
  if (reasons.length) level = 'CONCLUSIVE';
  const needSig = Math.min(THRESHOLDS.strongTensors, c.pairs.length);
  if (level === 'NONE' && c.pairs.length && c.log10pCombined < THRESHOLDS.strongLog10p && c.significant >= needSig && c.medianR > THRESHOLDS.strongMedianR) {
    level = 'STRONG';
    reasons.push(`combined p ${c.log10pCombined.toFixed(1)} (log10) over ${c.pairs.length} tensors, ${c.significant} individually significant, median r ${c.medianR.toFixed(3)}`);
  }
  if (c.log10pSketch !== undefined && c.log10pSketch < THRESHOLDS.sketchStrongLog10p && levelRank(level) < levelRank('STRONG')) {
    level = 'STRONG';
    reasons.push(`T2 row-sketch agreement p ${c.log10pSketch.toFixed(1)} (log10)`);
  }
  if (level === 'NONE' && (c.log10pCombined < THRESHOLDS.reviewLog10p || (c.log10pSketch ?? 0) < THRESHOLDS.sketchReviewLog10p)) {
    level = 'REVIEW';
    reasons.push(`combined p ${c.log10pCombined.toFixed(1)} (log10) over ${c.pairs.length} tensors (below the review threshold ${THRESHOLDS.reviewLog10p})`);
  }
  c.level = level;
  c.reasons = reasons;
  // Parameters carrying evidence, counted toward the derived share when the component is decided.
  if (levelRank(level) >= levelRank('STRONG')) {
    const names = new Set<string>([...c.hashHits.map((h) => h.cand), ...c.rowHits.map((h) => h.cand)]);
    for (const p of c.pairs) if (p.log10p < THRESHOLDS.strongTensorLog10p || p.log10pEq < THRESHOLDS.conclusiveEqLog10p) names.add(p.cand);
    const sized = new Map<string, number>();
    for (const h of c.hashHits) sized.set(h.cand, h.numel);
    for (const h of c.pairs) sized.set(h.cand, h.numel);
    c.derivedParameters = [...names].reduce((s, n) => s + (sized.get(n) ?? 0), 0);
    if (c.log10pSketch !== undefined && c.log10pSketch < THRESHOLDS.sketchStrongLog10p && !c.derivedParameters) c.derivedParameters = c.candidateParameters;
  }
}

function runSketches(cand: AnalyzedModel, sig: WeightSignature, ctx: CompareContext, components: ComponentResult[], notes: string[]): void {
  for (const sk of sig.sketches) {
    const find = (role: string) =>
      cand.tensors.find((a) => a.info.component === sk.component && a.info.layer === sk.layer && a.info.expert === undefined && a.info.role === role && a.ref.shape.length === 2 && a.ref.shape[1] === sk.d && isFloat(a.ref.dtype) && !a.ref.unreadable);
    const g = find('mlp_gate');
    const u = find('mlp_up');
    const comp = components.find((c) => c.component === sk.component);
    if (!g || !u || !comp || g.ref.shape[0] !== u.ref.shape[0]) continue;
    try {
      const proj = projection(sig.seed, sk.d);
      comp.sketches.push(matchSketch(sk, sketchAllRows(ctx.pool, g.ref, proj), sketchAllRows(ctx.pool, u.ref, proj)));
    } catch (e) {
      notes.push((e as Error).message);
    }
  }
  for (const c of components) {
    if (c.sketches.length) c.log10pSketch = log10Bonferroni(log10Fisher(c.sketches.map((s) => s.log10p)), ctx.nRefs);
  }
}
