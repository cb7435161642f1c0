import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditResult } from '../evidence';

/**
 * Repository text of the files with copied code, for reports that show matched lines side by side (HTML).
 * The I/O edge of reporting: files gone or grown too large since the scan are left out, and the report then shows
 * line ranges only.
 */
export function readSources(result: AuditResult, maxBytes = 2 * 1024 * 1024): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of new Set(result.findings.filter((x) => x.kind === 'copied-code').map((x) => x.file))) {
    try {
      const abs = path.join(result.repository.root, f);
      if (fs.statSync(abs).size <= maxBytes) out[f] = fs.readFileSync(abs, 'utf8');
    } catch {
      /* gone since the scan */
    }
  }
  return out;
}
