import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Detector } from '../audit';
import { policyEvidenceDetector } from '../detectors/policy-detector';
import { historyDetector } from '../git/history';
import { detectTokenizers, loadTokenizerSignatures, type TokenizerSignature } from '../tokenizers/index';
import { detectWeights, loadWeightSignatures, type WeightSignature } from '../weights/index';

/** Folders that may hold signatures of one kind: each signatures folder itself and its `<kind>/` subfolder. */
function kindDirs(signatureDirs: string[], kind: string): string[] {
  const out: string[] = [];
  for (const d of signatureDirs) for (const c of [d, path.join(d, kind)]) if (fs.existsSync(c) && fs.statSync(c).isDirectory()) out.push(c);
  return [...new Set(out.map((p) => path.resolve(p)))];
}

function tokenizerDetector(signatureDirs: string[]): Detector {
  return async (ctx) => {
    const refs: TokenizerSignature[] = [];
    const seen = new Set<string>();
    for (const d of kindDirs(signatureDirs, 'tokenizers')) {
      for (const s of loadTokenizerSignatures(d)) {
        const key = `${s.name}@${s.version ?? ''}`;
        if (!seen.has(key)) {
          seen.add(key);
          refs.push(s);
        }
      }
    }
    const r = await detectTokenizers(ctx.root, ctx.files, refs);
    return { findings: r.findings, gates: [r.gate], warnings: r.warnings };
  };
}

function weightsDetector(signatureDirs: string[], deep: boolean): Detector {
  return async (ctx) => {
    const refs: WeightSignature[] = [];
    const seen = new Set<string>();
    for (const d of kindDirs(signatureDirs, 'weights')) {
      for (const s of loadWeightSignatures(d)) {
        const key = `${s.name}@${s.revision}`;
        if (!seen.has(key)) {
          seen.add(key);
          refs.push(s);
        }
      }
    }
    const r = await detectWeights(ctx.root, ctx.files, refs, { deep });
    return { findings: r.findings, gates: [r.gate], warnings: r.warnings };
  };
}

/** The detectors that run after code matching, in order. */
export function defaultDetectors(signatureDirs: string[], opts: { deep?: boolean } = {}): Detector[] {
  return [policyEvidenceDetector(), tokenizerDetector(signatureDirs), weightsDetector(signatureDirs, opts.deep === true), historyDetector];
}
