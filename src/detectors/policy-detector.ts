// Adapter from the audit pipeline's Detector interface to detectPolicyEvidence: the I/O edge of the detectors in this
// folder (reads manifests, licence files and, when the pipeline kept no text, code files, with size caps).
import type { Detector, DetectorContext, DetectorOutput } from '../audit';
import { DEFAULT_MAX_CODE_BYTES, readTextFile } from '../discover/read';
import { detectPolicyEvidence } from './index';
import { isLicenceFile } from './licences';
import { MAX_MANIFEST_CHARS, manifestKind } from './manifests';

/** Imports, imported mass, manifests, hub references and licences, as one pipeline detector. */
export function policyEvidenceDetector(): Detector {
  return async (ctx: DetectorContext): Promise<DetectorOutput> => {
    const warnings: string[] = [];
    const read = (rel: string, maxBytes: number, warn: boolean): string | undefined => {
      const r = readTextFile(ctx.root, rel, maxBytes);
      if ('skipped' in r) {
        if (warn) warnings.push(`${rel}: ${r.skipped}`);
        return undefined;
      }
      return r.bytes.toString('utf8');
    };
    const files = ctx.files
      .filter((f) => !f.skipped)
      .map((f) => {
        let text: string | undefined;
        if (f.kind === 'python' || f.kind === 'notebook') {
          // The workers read imports and hub references from their parse; only without those is the file read again
          // (and not warned about: the analysis step already did).
          if (!ctx.facts.has(f.path)) text = read(f.path, DEFAULT_MAX_CODE_BYTES, false);
        } else if (f.kind === 'manifest' || f.kind === 'licence' || manifestKind(f.path) || isLicenceFile(f.path)) {
          text = read(f.path, MAX_MANIFEST_CHARS, true);
        }
        return { path: f.path, kind: f.kind, text };
      });
    const out = detectPolicyEvidence({
      files,
      packs: ctx.index.packs.map((p) => p.manifest),
      upstreamFindings: ctx.findings,
      readFile: (rel) => read(rel, MAX_MANIFEST_CHARS, true),
      facts: ctx.facts,
    });
    return { findings: out.findings, warnings: [...warnings, ...out.warnings] };
  };
}
