// Public API of the weights part: detectWeights (candidate repository vs registered reference signatures) and
// loadWeightSignatures. I/O stays here and in the readers; compare.ts decides levels (thresholds there); this file
// turns results into Findings and the 'weights' gate.
//
// Modes: full hashing (file SHA-256 = LFS oid, tensor hashes, embedding row hashes) when the weights total at most
// 1 GiB or when asked; otherwise sampled (headers + seeded positions only: < 1% of the bytes). Exact copies are
// still CONCLUSIVE in sampled mode through the bit-equality test; re-indexed embedding rows need full mode.
//
// Known blind spots (tested as expected misses, stated in reports by the caller):
//   - a consistent permutation/rotation of the residual stream defeats T1 and T2;
//   - derivation from a model that is not registered is undetectable by design;
//   - the null hypothesis is independent initialization: a shared seed and init code looks like derivation;
//   - llama.cpp permutes q/k rows when converting to GGUF, so those two roles do not align with HF references;
//   - block-quantized GGUF tensors are compared by raw hash only (like with like).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord, Finding, GateResult, Strength } from '../evidence';
import { compareWithReference, levelRank, THRESHOLDS, type ComponentResult, type Level, type RefComparison } from './compare';
import { insideRoot } from './inventory';
import { analyzeModel, type AnalyzedModel, type HashMode } from './model';
import { readShardIndex } from './safetensors';
import { formatP } from './pvalues';
import type { WeightSignature } from './signature';
import { ReaderPool } from './values';

export { loadWeightSignatures, runBuildWeights, buildSignature, type WeightSignature } from './signature';
export { THRESHOLDS, type Level } from './compare';

export interface DetectOptions {
  deep?: boolean;
  sampleSeed?: number;
  /** 'auto' (default): full hashing when the weights total at most fullHashLimit bytes, else sampled. */
  hash?: 'auto' | HashMode;
  fullHashLimit?: number;
}

export const DEFAULT_FULL_HASH_LIMIT = 1 << 30;

const STRENGTH: Record<Level, Strength> = { CONCLUSIVE: 'conclusive', STRONG: 'strong', REVIEW: 'moderate', NONE: 'info', INFO: 'info' };
const CONFIDENCE: Record<Strength, number> = { conclusive: 0.99, strong: 0.9, moderate: 0.6, weak: 0.4, info: 0.3 };

const finite = (x: number, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x > 0 ? 1e308 : -1e308);
const fid = (...parts: string[]) => 'w-' + createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;

export async function detectWeights(
  root: string, files: FileRecord[], references: WeightSignature[], opts: DetectOptions = {},
): Promise<{ findings: Finding[]; gate: GateResult; warnings: string[] }> {
  const weightRels = files.filter((f) => f.kind === 'weights').map((f) => f.path);
  const indexWarnings: string[] = [];
  weightRels.push(...shardsFromIndexes(root, files, new Set(weightRels), indexWarnings));
  const configRels = files.filter((f) => f.kind === 'config').map((f) => f.path);
  const refList = references.map((r) => `${r.name}@${r.revision}`);
  const against = `compared with ${references.length} registered reference${references.length === 1 ? '' : 's'}${references.length ? ': ' + refList.join(', ') : ''}`;
  if (!weightRels.length) {
    return { findings: [], warnings: [], gate: { gate: 'weights', status: 'NOT-CHECKED', reason: 'no weights files in the repository', checkedAgainst: against, findings: [] } };
  }
  const totalBytes = weightRels.reduce((s, rel) => {
    try {
      return s + fs.statSync(path.resolve(root, rel)).size;
    } catch {
      return s;
    }
  }, 0);
  const mode: HashMode = !opts.hash || opts.hash === 'auto' ? (totalBytes <= (opts.fullHashLimit ?? DEFAULT_FULL_HASH_LIMIT) ? 'full' : 'sampled') : opts.hash;
  const pool = new ReaderPool();
  const findings: Finding[] = [];
  const warnings: string[] = [...indexWarnings];
  let comparisons: RefComparison[] = [];
  let model: AnalyzedModel;
  try {
    model = analyzeModel(root, weightRels, configRels, { hash: mode, seed: `scratch-audit/candidate|${opts.sampleSeed ?? 0}`, pool });
    warnings.push(...model.warnings);
    comparisons = references.map((sig) => compareWithReference(model, sig, { pool, nRefs: Math.max(1, references.length), deep: !!opts.deep }));
    for (const c of comparisons) warnings.push(...c.notes);
  } catch (e) {
    // An internal failure must not stop the audit, nor pass silently: the gate asks for a review.
    const msg = `weights check failed: ${(e as Error).message}`;
    return { findings: [], warnings: [...warnings, msg], gate: { gate: 'weights', status: 'REVIEW', reason: msg, checkedAgainst: against, findings: [] } };
  } finally {
    pool.close();
  }

  // Files we could not check, or that are unsafe: never a crash, at least REVIEW.
  for (const f of model.files) {
    if (f.unsafe) {
      findings.push({
        id: fid('unsafe', f.rel, f.unsafe.reason), kind: 'weights', category: 'unknown', file: f.rel, method: 'weights-informational',
        confidence: 0.95, strength: 'moderate',
        message: `${f.rel}: unsafe pickle, not loaded: ${f.unsafe.reason}. Loading it with torch.load could execute code; convert to safetensors.`,
        details: { problem: 'unsafe-pickle', unsafe: true, globals: f.unsafe.globals.slice(0, 20) },
      });
    } else if (f.error) {
      findings.push({
        id: fid('read-error', f.rel), kind: 'weights', category: 'unknown', file: f.rel, method: 'weights-informational',
        confidence: 0.9, strength: 'moderate', message: `${f.error} (weights not checked)`, details: { problem: 'unreadable', error: f.error },
      });
    } else if (f.baseModels?.length) {
      const names = f.baseModels.map((b) => [b.organization, b.name].filter(Boolean).join('/') || b.repoUrl || '?');
      findings.push({
        id: fid('base-model', f.rel, names.join()), kind: 'weights', category: 'model-implementation', file: f.rel,
        method: 'weights-informational', confidence: 0.8, strength: 'info',
        message: `${f.rel} declares base model(s) ${names.join(', ')} in its GGUF metadata (general.base_model.*): informational`,
        details: { baseModels: f.baseModels },
      });
    }
  }
  if (model.config?.autoMap.length) {
    findings.push({
      id: fid('automap', ...model.config.autoMap), kind: 'config', category: 'unknown', file: model.config.rel ?? 'config.json',
      method: 'config-architecture', confidence: 0.9, strength: 'info',
      message: `config.json maps to remote code (auto_map): ${model.config.autoMap.join(', ')}: architecture lineage, informational`,
      details: { autoMap: model.config.autoMap, modelType: model.config.modelType, architectures: model.config.architectures, subConfigs: Object.keys(model.config.sub) },
    });
  }
  const lfs = model.files.filter((f) => f.lfs);
  if (lfs.length) warnings.push(`${lfs.length} weights file(s) are Git-LFS pointers: compared by file hash (oid) only: ${lfs.map((f) => f.rel).slice(0, 5).join(', ')}`);

  for (const cmp of comparisons) findings.push(...comparisonFindings(model, cmp, references.find((r) => r.name === cmp.reference && r.revision === cmp.revision)!, mode));

  const weightFindings = findings.filter((f) => f.kind === 'weights');
  const failing = weightFindings.filter((f) => f.strength === 'conclusive' || f.strength === 'strong');
  const review = weightFindings.filter((f) => f.strength === 'moderate');
  let gate: GateResult;
  const excluded = model.tensors.filter((a) => a.excluded).length;
  const counted = model.tensors.filter((a) => !a.excluded);
  const total = counted.reduce((s, a) => s + a.ref.numel, 0);
  const shares = new Map<string, number>();
  for (const a of counted) shares.set(a.info.component, (shares.get(a.info.component) ?? 0) + a.ref.numel);
  const shareText = [...shares].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${pct(total ? n / total : 0)}`).join(', ');
  const scope = `${counted.length} tensors / ${total.toLocaleString('en-US')} parameters compared [${shareText}]; ${excluded} constant/deterministic/tiny tensors excluded; ${mode} hashing`;
  const pointers = model.files.filter((f) => f.lfs).length;
  const scopeText = pointers ? `${scope}; ${pointers} Git-LFS pointer file(s): only their file hashes were compared` : scope;
  if (excluded) {
    const list = model.tensors.filter((a) => a.excluded).map((a) => ({ tensor: a.ref.name, file: a.ref.relFile, reason: a.excluded! }));
    findings.push({
      id: fid('excluded', ...list.map((x) => x.tensor)), kind: 'weights', category: 'unknown', file: list[0].file, method: 'weights-informational',
      confidence: 1, strength: 'info',
      message: `${excluded} tensor(s) excluded from matching (constant, deterministic, tiny or integer buffers match across independent models by construction)`,
      details: { excluded: list.slice(0, 200), total: list.length },
    });
  }
  if (failing.length) {
    gate = { gate: 'weights', status: 'FAIL', reason: `pretrained weights of a registered model reused: ${failing.map((f) => f.message.split(':')[0]).join('; ')} (${scopeText})`, checkedAgainst: against, findings: failing.map((f) => f.id) };
  } else if (review.length) {
    gate = { gate: 'weights', status: 'REVIEW', reason: `moderate evidence or files that could not be checked (${review.length}); ${scopeText}`, checkedAgainst: against, findings: review.map((f) => f.id) };
  } else if (!references.length) {
    gate = { gate: 'weights', status: 'NOT-CHECKED', reason: 'no registered weight signatures to compare with', checkedAgainst: against, findings: [] };
  } else {
    gate = { gate: 'weights', status: 'PASS', reason: `not derived from any of the ${references.length} registered references (${scopeText})`, checkedAgainst: against, findings: [] };
  }
  return { findings, gate, warnings };
}

/** Shards named by `*.safetensors.index.json` files (listed as config/other by discovery) that were not listed. */
function shardsFromIndexes(root: string, files: FileRecord[], listed: Set<string>, warnings: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.safetensors.index.json')) continue;
    try {
      const idx = readShardIndex(path.resolve(root, f.path));
      for (const abs of idx.shards) {
        const rel = path.relative(root, abs).split(path.sep).join('/');
        if (!listed.has(rel) && !rel.startsWith('..') && insideRoot(root, abs)) {
          listed.add(rel);
          out.push(rel);
        }
      }
    } catch (e) {
      warnings.push(`${f.path}: ${(e as Error).message.split(': ').slice(1).join(': ') || (e as Error).message}`);
    }
  }
  return out;
}

function filesOf(model: AnalyzedModel, names: Set<string>): string[] {
  return [...new Set(model.tensors.filter((a) => names.has(a.ref.name)).map((a) => a.ref.relFile))].sort();
}

function comparisonFindings(model: AnalyzedModel, cmp: RefComparison, sig: WeightSignature, mode: HashMode): Finding[] {
  const out: Finding[] = [];
  const upstream = { project: sig.name, version: sig.revision, category: 'model-implementation' as const, licence: sig.licence };
  const refLabel = `${sig.name}@${sig.revision}`;
  const nullText = `null: independent initialization; chance equality and correlation spread estimated from 50 cyclic shifts of the seeded sample`;
  for (const h of cmp.fileHits) {
    const params = model.tensors.filter((a) => a.ref.relFile === h.cand && !a.excluded).reduce((s, a) => s + a.ref.numel, 0);
    out.push({
      id: fid('file', refLabel, h.cand, h.sha256), kind: 'weights', category: 'model-implementation', file: h.cand, upstream,
      method: 'weights-hash', confidence: 0.99, strength: 'conclusive', parameters: params || undefined,
      message: `${h.cand}: file identical to ${refLabel} ${h.refFile} (SHA-256 ${h.sha256.slice(0, 16)}…)`,
      details: { level: 'CONCLUSIVE', refFile: h.refFile, sha256: h.sha256 },
    });
  }
  for (const c of cmp.components) {
    if (levelRank(c.level) < levelRank('REVIEW')) continue;
    out.push(componentFinding(model, c, cmp, sig, upstream, refLabel, nullText, mode));
  }
  // Informational: the LayerNorm trap, stated explicitly so nobody repeats it.
  const trap = cmp.rawCosineTrap;
  if (trap && trap.meanRawCos > 0.9 && Math.abs(trap.meanR) < 0.3) {
    out.push({
      id: fid('rawcos', refLabel), kind: 'weights', category: 'model-implementation', file: model.files[0]?.rel ?? '', upstream,
      method: 'weights-informational', confidence: 0.3, strength: 'info',
      message: `norm vectors vs ${refLabel}: raw cosine ${trap.meanRawCos.toFixed(3)} but centred r ${trap.meanR.toFixed(3)} over ${trap.tensors} tensors: informational only (positive vectors near 1 give high raw cosine by construction)`,
      details: { tensors: trap.tensors, meanRawCosine: finite(trap.meanRawCos), meanCentredR: finite(trap.meanR) },
    });
  }
  const l = cmp.lineage;
  if (l.score >= 0.3 || l.sharedRemoteCode.length || l.sameSchemeComponents.length) {
    out.push({
      id: fid('lineage', refLabel), kind: 'config', category: 'model-implementation', file: model.config?.rel ?? 'config.json', upstream,
      method: 'config-architecture', confidence: 0.3, strength: 'info',
      message: `architecture lineage with ${refLabel}: informational (${l.equalKeys.length} equal / ${l.differentKeys.length} different hyper-parameters` +
        `${l.oddEqual.length ? `; unusual equal values ${l.oddEqual.join(', ')}` : ''}${l.sharedRemoteCode.length ? `; same remote-code classes ${l.sharedRemoteCode.join(', ')}` : ''}` +
        `${l.sameSchemeComponents.length ? `; same tensor-name scheme for ${l.sameSchemeComponents.join(', ')}` : ''}). Equal hyper-parameters are common between independent models.`,
      details: { ...l, score: finite(l.score, 3) },
    });
  }
  return out;
}

function componentFinding(
  model: AnalyzedModel, c: ComponentResult, cmp: RefComparison, sig: WeightSignature, upstream: Finding['upstream'], refLabel: string,
  nullText: string, mode: HashMode,
): Finding {
  const strength = STRENGTH[c.level];
  const hashBased = c.hashHits.some((h) => h.nontrivial) || c.rowHits.some((h) => h.hits >= THRESHOLDS.conclusiveRowHits);
  const method = c.level === 'CONCLUSIVE' && hashBased ? 'weights-hash' : 'weights-statistical';
  const names = new Set([...c.hashHits.map((h) => h.cand), ...c.rowHits.map((h) => h.cand), ...c.pairs.filter((p) => p.log10p < THRESHOLDS.strongTensorLog10p).map((p) => p.cand)]);
  const files = filesOf(model, names.size ? names : new Set(c.pairs.map((p) => p.cand)));
  const params = c.derivedParameters || (c.level === 'REVIEW' ? 0 : c.candidateParameters);
  const share = `${pct(c.share)} of the model's parameters`;
  const top = [...c.pairs].sort((a, b) => a.log10p - b.log10p).slice(0, 20);
  const what =
    c.level === 'CONCLUSIVE'
      ? hashBased
        ? `${c.hashHits.filter((h) => h.nontrivial).length} tensor(s) identical by hash${c.rowHits.length ? `, ${Math.max(...c.rowHits.map((h) => h.hits))} embedding rows identical` : ''}`
        : `${c.equalityConclusive} tensors bit-identical at sampled positions far beyond chance`
      : `${c.pairs.length} tensors compared, ${c.significant} significant, median centred r ${c.medianR.toFixed(3)}, combined p ${formatP(c.log10pCombined)}` +
        (c.log10pSketch !== undefined ? `, T2 row-sketch p ${formatP(c.log10pSketch)}` : '');
  const verdict = c.level === 'REVIEW' ? 'moderate evidence of derivation' : 'pretrained weights reused';
  const caveat = c.level === 'CONCLUSIVE' && hashBased ? '' : ` (${nullText}; shared initialization — same seed and init code — produces the same evidence)`;
  return {
    id: fid('component', refLabel, c.component, [...names].sort().join(',')),
    kind: 'weights', category: 'model-implementation', file: files[0] ?? model.files[0]?.rel ?? '', upstream,
    method, confidence: CONFIDENCE[strength], strength, parameters: params || undefined,
    message: `${c.component} (${share}) vs ${refLabel}: ${verdict}: ${what}${caveat}`,
    details: {
      level: c.level, component: c.component, share: finite(c.share, 6), componentParameters: c.candidateParameters,
      derivedParameters: c.derivedParameters, reasons: c.reasons, files, hashing: mode, nullUsed: nullText,
      combinedLog10p: finite(c.log10pCombined, 2), medianR: finite(c.medianR), significantTensors: c.significant,
      hashHits: c.hashHits.slice(0, 50).map((h) => ({ tensor: h.cand, reference: h.ref, hash: h.kind, parameters: h.numel })),
      rowHits: c.rowHits.map((h) => ({ tensor: h.cand, reference: h.ref, rows: h.hits, of: h.refRows })),
      tensors: top.map((p) => ({
        tensor: p.cand, reference: p.ref, r: finite(p.r), rawCosine: finite(p.rawCos), equal: `${p.equal}/${p.k}`, chanceEqual: finite(p.p0, 6),
        grid: p.grid, p: formatP(p.log10p), pEquality: formatP(p.log10pEq), pCorrelation: formatP(p.log10pCorr), shiftP: finite(p.shiftP),
        pairing: p.pairing, transposed: p.transposed,
      })),
      sketches: c.sketches.map((s) => ({ layer: s.layer, agree: `${s.agree}/${s.rows}`, candidateRows: s.candidateRows, meanBestCos: finite(s.meanBestCos), p: formatP(s.log10p) })),
      outliers: cmp.outliers ? { ...cmp.outliers, p: formatP(cmp.outliers.log10p), log10p: finite(cmp.outliers.log10p, 2) } : undefined,
      signatureCreatedAt: sig.createdAt,
    },
  };
}
