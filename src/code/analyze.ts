import type { SymbolEntry } from '../signatures/pack-types';
import { createHash } from 'node:crypto';
import { gitBlobSha1, normalizedHash } from './file-hashes';
import { winnow, type WinnowParams } from './fingerprint';
import { findHubReferences, type HubReference } from '../detectors/hub-references';
import { extractImports, type ImportUse } from '../detectors/imports';
import { notebookCode } from './notebook';
import { parsePython } from './parser';
import { tokenizePython } from './python-tokens';

/** Everything the matcher and the pack builder need to know about one code file. Plain typed arrays: transferable. */
export interface CodeAnalysis {
  kinds: Uint8Array;
  lines: Uint32Array;
  raw: Uint32Array;
  mass: number;
  lineCount: number;
  codeLines: number;
  symbols: SymbolEntry[];
  fpHi: Uint32Array;
  fpLo: Uint32Array;
  fpPos: Uint32Array;
  blobSha1: string;
  sha1: string;
  sha256: string;
  normHash: string;
  warnings: string[];
  /** Notebooks: for each line of the joined code, its cell and line within the cell. */
  notebook?: { cells: number[]; cellLines: number[] };
  /** Read from the same parse when asked (policy evidence): imports with their uses, hub references, SPDX tag lines. */
  policy?: PolicyFacts;
}

export interface PolicyFacts {
  imports: ImportUse[];
  hubRefs: HubReference[];
  /** The source with every line blanked but those holding an SPDX-License-Identifier tag (line numbers kept). */
  spdxText?: string;
}

export interface AnalyzeOptions {
  /** Also extract imports and hub references; `repoDirs` are the repository's top-level folders (local paths). */
  policy?: { path: string; repoDirs: string[] };
}

function spdxLines(text: string): string | undefined {
  if (!text.includes('SPDX-License-Identifier')) return undefined;
  return text
    .split('\n')
    .map((l) => (l.includes('SPDX-License-Identifier') ? l : ''))
    .join('\n');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false });

/** Decodes UTF-8; invalid sequences are replaced and reported, never fatal. A leading BOM is dropped. */
export function decodeText(bytes: Uint8Array, warnings: string[]): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    warnings.push('invalid UTF-8: undecodable bytes were replaced with U+FFFD');
    text = utf8Lenient.decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Tokenizes and fingerprints a Python file or notebook. Throws only for notebooks that are not notebooks. */
export function analyzeCode(bytes: Uint8Array, kind: 'python' | 'notebook', params: WinnowParams, opts: AnalyzeOptions = {}): CodeAnalysis {
  const warnings: string[] = [];
  let text = decodeText(bytes, warnings);
  let notebook: CodeAnalysis['notebook'];
  if (kind === 'notebook') {
    const nb = notebookCode(text);
    text = nb.source;
    notebook = { cells: nb.cells, cellLines: nb.cellLines };
  }
  const tree = parsePython(text);
  const ts = tokenizePython(text, tree);
  let policy: PolicyFacts | undefined;
  if (opts.policy) {
    try {
      const imports = extractImports(text, opts.policy.path, tree);
      const hubRefs = findHubReferences(text, opts.policy.path, imports, new Set(opts.policy.repoDirs), tree);
      policy = { imports, hubRefs, spdxText: spdxLines(text) };
    } catch (e) {
      warnings.push(`cannot read imports: ${(e as Error).message}`);
    }
  }
  if (ts.syntaxErrors > 0) {
    warnings.push(`Python syntax error near line ${ts.firstErrorLine ?? '?'}: tokens were kept for what parsed`);
  }
  const fp = winnow(ts.kinds, params);
  return {
    kinds: ts.kinds,
    lines: ts.lines,
    raw: ts.raw,
    mass: ts.mass,
    lineCount: ts.lineCount,
    codeLines: ts.codeLines,
    symbols: ts.symbols,
    fpHi: fp.hi,
    fpLo: fp.lo,
    fpPos: fp.pos,
    blobSha1: gitBlobSha1(bytes),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    normHash: normalizedHash(ts.kinds),
    warnings,
    notebook,
    policy,
  };
}
