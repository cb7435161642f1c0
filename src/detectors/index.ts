// The policy-evidence detectors run together: imports, imported mass, manifests, hub references, licences.
// Pure: the caller hands in file texts; the only file access is through `readFile`, for `-r` includes.
import type { PolicyFacts } from '../code/analyze';
import { notebookCode } from '../code/notebook';
import { parsePython } from '../code/parser';
import type { FileKind, Finding } from '../evidence';
import type { PackManifest } from '../signatures/pack-types';
import type { Catalogue } from './catalogue';
import { findHubReferences, hubFindings, type HubReference } from './hub-references';
import { detectImportedMass, firstPartyModules } from './imported-mass';
import { extractImports, type ImportUse } from './imports';
import { detectLicences, isLicenceFile } from './licences';
import { detectManifests, manifestKind, type ReadFile } from './manifests';
import { normPath } from './py-util';

export type { ImportUse } from './imports';

export interface DetectInput {
  files: { path: string; kind: FileKind; text?: string }[];
  packs: PackManifest[];
  /** Findings of the code matcher (copied-code); their upstream licences are reported. */
  upstreamFindings: Finding[];
  /** Reads a repository-relative file (manifest includes); undefined when absent or unreadable. */
  readFile?: ReadFile;
  catalogue?: Catalogue;
  /** Imports, hub references and SPDX tag lines already read from each code file's parse (the audit's workers). */
  facts?: Map<string, PolicyFacts>;
}

export interface DetectOutput {
  findings: Finding[];
  warnings: string[];
  /** ImportUses per repository file, firstParty set. */
  imports: Record<string, ImportUse[]>;
}

/**
 * Python source of a notebook, joined the way the code analysis joins it (src/code/notebook.ts), so that line
 * numbers agree across findings. Text that is not notebook JSON is taken as already-joined code; a broken notebook
 * gives ''.
 */
export function notebookSource(text: string): string {
  if (!text.trimStart().startsWith('{')) return text;
  try {
    return notebookCode(text).source;
  } catch {
    return '';
  }
}

const isPython = (p: string, kind: FileKind): boolean => kind === 'python' || /\.pyi?$/.test(p);
const isNotebook = (p: string, kind: FileKind): boolean => kind === 'notebook' || p.endsWith('.ipynb');

export function detectPolicyEvidence(input: DetectInput): DetectOutput {
  const warnings: string[] = [];
  const findings: Finding[] = [];
  const files = input.files.map((f) => ({ ...f, path: normPath(f.path) }));
  const pythonPaths = files.filter((f) => /\.py$/.test(f.path)).map((f) => f.path);
  const fp = firstPartyModules(pythonPaths);
  const repoDirs = new Set(files.map((f) => f.path.split('/')[0]).filter((_, i) => files[i].path.includes('/')));

  // Imports and hub references, one parse per code file.
  const imports: Record<string, ImportUse[]> = {};
  const hubRefs: HubReference[] = [];
  const codeTexts: { path: string; text: string }[] = [];
  for (const f of files) {
    const known = input.facts?.get(f.path);
    if (known) {
      for (const u of known.imports) if (!u.firstParty) u.firstParty = fp.isFirstParty(u.module, f.path);
      imports[f.path] = known.imports;
      hubRefs.push(...known.hubRefs);
      if (known.spdxText) codeTexts.push({ path: f.path, text: known.spdxText });
      continue;
    }
    if (f.text === undefined) continue;
    const py = isPython(f.path, f.kind);
    const nb = !py && isNotebook(f.path, f.kind);
    if (!py && !nb) continue;
    const source = nb ? notebookSource(f.text) : f.text;
    codeTexts.push({ path: f.path, text: source });
    try {
      const tree = parsePython(source);
      const uses = extractImports(source, f.path, tree);
      for (const u of uses) if (!u.firstParty) u.firstParty = fp.isFirstParty(u.module, f.path);
      imports[f.path] = uses;
      hubRefs.push(...findHubReferences(source, f.path, uses, repoDirs, tree));
    } catch (e) {
      warnings.push(`${f.path}: cannot read imports: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const allImports = Object.values(imports).flat();

  const imported = detectImportedMass({ imports: allImports, pythonPaths, packs: input.packs, catalogue: input.catalogue });
  findings.push(...imported);

  const manifests = files
    .filter((f) => f.text !== undefined && manifestKind(f.path) !== undefined)
    .map((f) => ({ path: f.path, text: f.text! }));
  const m = detectManifests({
    manifests,
    imports: allImports,
    isFirstParty: fp.isFirstParty,
    readFile: input.readFile,
    catalogue: input.catalogue,
  });
  findings.push(...m.findings);
  warnings.push(...m.warnings);

  findings.push(...hubFindings(hubRefs));

  const licenceFiles = files
    .filter((f) => f.text !== undefined && (f.kind === 'licence' || isLicenceFile(f.path)))
    .map((f) => ({ path: f.path, text: f.text! }));
  try {
    findings.push(
      ...detectLicences({
        licenceFiles,
        taggedFiles: [...codeTexts, ...manifests],
        manifestLicences: m.licences,
        upstreamFindings: [...input.upstreamFindings, ...imported],
      }),
    );
  } catch (e) {
    warnings.push(`licences: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { findings, warnings, imports };
}
