// Declared dependencies as findings, compared with the repository's imports (declared-but-unused,
// used-but-undeclared, by PyPI name per PEP 503).
import type { Finding } from '../evidence';
import {
  catalogue as shippedCatalogue,
  importNamesForPypi,
  lookupPypi,
  normalizePypiName,
  pypiNameForImport,
  type Catalogue,
} from './catalogue';
import type { ImportUse } from './imports';
import { readManifest, type DeclaredLicence, type Dependency, type ReadFile } from './manifest-readers';
import { normPath, stableId } from './py-util';

export {
  MAX_MANIFEST_CHARS,
  manifestKind,
  parseRequirement,
  readManifest,
  type DeclaredLicence,
  type Dependency,
  type ManifestRead,
  type ManifestSource,
  type ReadFile,
} from './manifest-readers';

export interface ManifestInput {
  manifests: { path: string; text: string }[];
  imports: ImportUse[];
  isFirstParty: (module: string, file: string) => boolean;
  readFile?: ReadFile;
  catalogue?: Catalogue;
}

export interface ManifestResult {
  findings: Finding[];
  warnings: string[];
  dependencies: Dependency[];
  licences: DeclaredLicence[];
}

/**
 * Declared dependencies as findings (kind 'dependency', method 'manifest', strength 'info'), each marked used or not
 * by the repository's imports, plus one finding per imported external package no manifest declares.
 */
export function detectManifests(input: ManifestInput): ManifestResult {
  const cat = input.catalogue ?? shippedCatalogue();
  const dependencies: Dependency[] = [];
  const licences: DeclaredLicence[] = [];
  const warnings: string[] = [];
  for (const m of input.manifests) {
    const r = readManifest(normPath(m.path), m.text, input.readFile, cat);
    dependencies.push(...r.dependencies);
    licences.push(...r.licences);
    warnings.push(...r.warnings);
  }

  // External imports: top-level name -> (PyPI name, first site).
  const external = new Map<string, { pypi?: string; file: string; line: number }>();
  for (const imp of [...input.imports].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line))) {
    if (imp.level > 0 || imp.firstParty || input.isFirstParty(imp.module, imp.file)) continue;
    const top = imp.module.split('.')[0];
    if (external.has(top)) continue;
    const pypiName = pypiNameForImport(imp.module, cat);
    if (pypiName === undefined && isStdlib(top, cat)) continue;
    external.set(top, { pypi: pypiName, file: imp.file, line: imp.line });
  }
  const importedPypi = new Set([...external.values()].map((e) => e.pypi && normalizePypiName(e.pypi)).filter(Boolean));

  const findings: Finding[] = [];
  const declared = new Set<string>();
  for (const d of dependencies) {
    const entry = lookupPypi(d.name, cat);
    const used = importedPypi.has(d.normalized) || importNamesForPypi(d.name, cat).some((n) => external.has(n));
    if (!d.constraint) {
      declared.add(d.normalized);
      for (const n of importNamesForPypi(d.name, cat)) declared.add(`import:${n}`);
    }
    findings.push({
      id: stableId('dep', d.manifest, d.normalized, d.group ?? '', d.constraint ? 'c' : ''),
      kind: 'dependency',
      category: entry?.category ?? 'unknown',
      file: d.manifest,
      lines: d.line ? { start: d.line, end: d.line } : undefined,
      upstream: entry
        ? { project: entry.project, version: d.spec || '*', licence: entry.licence, category: entry.category }
        : undefined,
      method: 'manifest',
      confidence: 1,
      strength: 'info',
      message:
        `${d.constraint ? 'constrains' : 'declares'} ${d.name}${d.spec ? ' ' + d.spec : ''}` +
        `${d.group ? ` (${d.group})` : ''}${!d.constraint && !used ? '; never imported' : ''}`,
      details: {
        name: d.name,
        normalized: d.normalized,
        spec: d.spec,
        extras: d.extras,
        marker: d.marker,
        url: d.url,
        group: d.group,
        source: d.source,
        constraint: d.constraint ?? false,
        used,
      },
    });
  }

  // Undeclared imports only mean something when the repository declares its dependencies somewhere.
  if (dependencies.some((d) => !d.constraint)) {
    for (const [top, e] of external) {
      if (declared.has(`import:${top}`) || (e.pypi && declared.has(normalizePypiName(e.pypi)))) continue;
      const entry = e.pypi ? lookupPypi(e.pypi, cat) : undefined;
      findings.push({
        id: stableId('dep', 'undeclared', top),
        kind: 'dependency',
        category: entry?.category ?? 'unknown',
        file: e.file,
        lines: { start: e.line, end: e.line },
        upstream: entry ? { project: entry.project, version: '*', licence: entry.licence, category: entry.category } : undefined,
        method: 'manifest',
        confidence: 1,
        strength: 'info',
        message: `imports ${top}${e.pypi && e.pypi !== top ? ` (PyPI ${e.pypi})` : ''}, which no manifest declares`,
        details: { undeclared: true, importName: top, pypi: e.pypi },
      });
    }
  }
  return { findings, warnings, dependencies, licences };
}

function isStdlib(top: string, cat: Catalogue): boolean {
  return cat.byModule.get(top)?.stdlib === true;
}
