import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Detector } from '../audit';
import { policyEvidenceDetector } from '../detectors/policy-detector';
import { historyDetector } from '../git/history';
import { detectTokenizers, loadTokenizerSignatures, type TokenizerSignature } from '../tokenizers/index';

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

/** The detectors that run after code matching, in order. */
export function defaultDetectors(signatureDirs: string[]): Detector[] {
  return [policyEvidenceDetector(), tokenizerDetector(signatureDirs), historyDetector];
}
