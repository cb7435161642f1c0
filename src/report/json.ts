import type { AuditResult } from '../evidence';

/** The machine-readable result: the AuditResult as is (schema documented in docs of the README, "JSON result"). */
export function renderJson(result: AuditResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

/** Reads a saved result back, checking that it is one of ours and of a schema we render. */
export function parseResult(text: string, source: string): AuditResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const r = doc as Partial<AuditResult>;
  if (!r || r.schema !== 'scratch-audit/result@1') {
    throw new Error(`${source}: not a scratch-audit result (schema ${JSON.stringify(r?.schema)}; expected scratch-audit/result@1)`);
  }
  return r as AuditResult;
}
