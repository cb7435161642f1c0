// The import catalogue (signatures/catalogue.json): import name -> project, category, licence, PyPI name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Category } from '../evidence';
import { packageRoot } from '../util/package-root';

export type CatalogueCategory = Exclude<Category, 'unknown'>;

export interface CatalogueEntry {
  /** The module prefix that matched (e.g. 'vllm.model_executor.models'). */
  module: string;
  project: string;
  category: CatalogueCategory;
  licence?: string;
  /** PyPI distribution name; undefined when the project is not installable from PyPI. */
  pypi?: string;
  stdlib?: boolean;
}

interface RawEntry {
  module: string;
  project?: string;
  category?: CatalogueCategory;
  licence?: string;
  pypi?: string;
}

interface RawCatalogue {
  format: string;
  stdlib: { project: string; category: CatalogueCategory; licence: string; modules: string[] };
  conda?: Record<string, string>;
  /** Further PyPI distributions providing catalogued imports (opencv-python-headless -> cv2). */
  distributions?: Record<string, string[]>;
  entries: RawEntry[];
}

export interface Catalogue {
  /** Full entries by module prefix (overrides already merged with their enclosing entry). */
  byModule: Map<string, CatalogueEntry>;
  /** PEP 503-normalized PyPI name -> top-level import names that distribution provides. */
  importsByPypi: Map<string, string[]>;
  /** PEP 503-normalized PyPI name -> the project's root entry (shortest module). */
  entryByPypi: Map<string, CatalogueEntry>;
  /** Conda package names that differ from their PyPI names. */
  condaToPypi: Map<string, string>;
}

/** PEP 503 normalization: lower case, runs of -_. become '-'. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Builds the lookup tables from the JSON; exported so tests can feed a synthetic catalogue. */
export function buildCatalogue(raw: RawCatalogue): Catalogue {
  const byModule = new Map<string, CatalogueEntry>();
  for (const m of raw.stdlib.modules) {
    byModule.set(m, {
      module: m,
      project: raw.stdlib.project,
      category: raw.stdlib.category,
      licence: raw.stdlib.licence,
      stdlib: true,
    });
  }
  // Full entries first, so overrides can inherit from them whatever their order in the file.
  const overrides: RawEntry[] = [];
  for (const e of raw.entries) {
    if (!e.project || !e.category) {
      overrides.push(e);
      continue;
    }
    byModule.set(e.module, {
      module: e.module,
      project: e.project,
      category: e.category,
      licence: e.licence,
      pypi: e.pypi || undefined,
    });
  }
  for (const o of overrides) {
    const parent = longestPrefix(byModule, o.module);
    if (!parent) continue; // an override with nothing to inherit from is a catalogue error; ignore it
    byModule.set(o.module, {
      ...parent,
      module: o.module,
      category: o.category ?? parent.category,
      licence: o.licence ?? parent.licence,
      pypi: o.pypi ?? parent.pypi,
    });
  }
  const importsByPypi = new Map<string, string[]>();
  const entryByPypi = new Map<string, CatalogueEntry>();
  for (const e of byModule.values()) {
    if (!e.pypi) continue;
    const top = e.module.split('.')[0];
    const key = normalizePypiName(e.pypi);
    const list = importsByPypi.get(key) ?? [];
    if (!list.includes(top)) list.push(top);
    importsByPypi.set(key, list);
    const prev = entryByPypi.get(key);
    if (!prev || e.module.length < prev.module.length) entryByPypi.set(key, e);
  }
  for (const [dist, names] of Object.entries(raw.distributions ?? {})) {
    const key = normalizePypiName(dist);
    const list = importsByPypi.get(key) ?? [];
    for (const n of names) if (!list.includes(n)) list.push(n);
    importsByPypi.set(key, list);
    const e = longestPrefix(byModule, names[0]);
    if (e && !entryByPypi.has(key)) entryByPypi.set(key, e);
  }
  const condaToPypi = new Map(Object.entries(raw.conda ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { byModule, importsByPypi, entryByPypi, condaToPypi };
}

function longestPrefix(map: Map<string, CatalogueEntry>, module: string): CatalogueEntry | undefined {
  let m = module;
  for (;;) {
    const hit = map.get(m);
    if (hit) return hit;
    const i = m.lastIndexOf('.');
    if (i < 0) return undefined;
    m = m.slice(0, i);
  }
}

let shipped: Catalogue | undefined;

/** The catalogue shipped in signatures/catalogue.json, loaded once. */
export function catalogue(): Catalogue {
  if (!shipped) {
    const file = path.join(packageRoot(), 'signatures', 'catalogue.json');
    shipped = buildCatalogue(JSON.parse(fs.readFileSync(file, 'utf8')) as RawCatalogue);
  }
  return shipped;
}

/** The entry for the longest catalogued prefix of a dotted module name, or undefined when none is catalogued. */
export function lookupImport(module: string, cat: Catalogue = catalogue()): CatalogueEntry | undefined {
  return longestPrefix(cat.byModule, module);
}

/** PyPI name of the distribution providing an import; the import's top-level name when the catalogue is silent. */
export function pypiNameForImport(module: string, cat: Catalogue = catalogue()): string | undefined {
  const e = lookupImport(module, cat);
  if (e) return e.stdlib ? undefined : e.pypi;
  return module.split('.')[0];
}

/** Top-level import names provided by a PyPI distribution (catalogue, else the name with - turned into _). */
export function importNamesForPypi(name: string, cat: Catalogue = catalogue()): string[] {
  const key = normalizePypiName(name);
  return cat.importsByPypi.get(key) ?? [key.replace(/-/g, '_')];
}

/** Catalogue entry for a declared distribution (via its first import name). */
export function lookupPypi(name: string, cat: Catalogue = catalogue()): CatalogueEntry | undefined {
  return cat.entryByPypi.get(normalizePypiName(name));
}
