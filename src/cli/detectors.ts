import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Detector } from '../audit';
import { policyEvidenceDetector } from '../detectors/policy-detector';
import { historyDetector } from '../git/history';
import { detectTokenizers, loadTokenizerSignatures, type TokenizerSignature } from '../tokenizers/index';
import { detectWeights, loadWeightSignatures, type WeightSignature } from '../weights/index';

/**
 * Signatures of one kind from every signatures folder and its `<kind>/` subfolder; the same reference given twice
 * (shipped and --signatures) counts once.
 */
function loadSignatures<T>(signatureDirs: string[], kind: string, load: (dir: string) => T[], key: (s: T) => string): T[] {
  const dirs = new Set<string>();
  for (const d of signatureDirs) for (const c of [d, path.join(d, kind)]) if (fs.existsSync(c) && fs.statSync(c).isDirectory()) dirs.add(path.resolve(c));
  const seen = new Set<string>();
  const out: T[] = [];
  for (const d of dirs) {
    for (const s of load(d)) {
      if (seen.has(key(s))) continue;
      seen.add(key(s));
      out.push(s);
    }
  }
  return out;
}

function tokenizerDetector(signatureDirs: string[]): Detector {
  return async (ctx) => {
    const refs = loadSignatures<TokenizerSignature>(signatureDirs, 'tokenizers', loadTokenizerSignatures, (s) => `${s.name}@${s.version ?? ''}`);
    const r = await detectTokenizers(ctx.root, ctx.files, refs);
    return { findings: r.findings, gates: [r.gate], warnings: r.warnings };
  };
}

function weightsDetector(signatureDirs: string[], deep: boolean): Detector {
  return async (ctx) => {
    const refs = loadSignatures<WeightSignature>(signatureDirs, 'weights', loadWeightSignatures, (s) => `${s.name}@${s.revision}`);
    const r = await detectWeights(ctx.root, ctx.files, refs, { deep });
    return { findings: r.findings, gates: [r.gate], warnings: r.warnings };
  };
}

/** The detectors that run after code matching, in order. */
export function defaultDetectors(signatureDirs: string[], opts: { deep?: boolean } = {}): Detector[] {
  return [policyEvidenceDetector(), tokenizerDetector(signatureDirs), weightsDetector(signatureDirs, opts.deep === true), historyDetector];
}
