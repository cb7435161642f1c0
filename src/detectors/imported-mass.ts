// Imported code mass: for each upstream symbol the repository imports and uses, the code mass of the upstream module
// that defines it, counted once per module across the repository (POLICY.md, "imported").
import type { Category, Finding, UpstreamRef } from '../evidence';
import type { PackFile, PackManifest, SymbolEntry } from '../signatures/pack-types';
import { catalogue as shippedCatalogue, lookupImport, type Catalogue, type CatalogueEntry } from './catalogue';
import type { ImportUse } from './imports';
import { dirOf, normPath, stableId } from './py-util';

// ---------------------------------------------------------------------------------------------------------------
// First-party modules

/** Directories whose children are importable top-level names: the repository root, `src/` folders, and folders
 * holding a setup.py (a package root). */
function sourceRoots(pyPaths: string[]): string[] {
  const roots = new Set<string>(['']);
  for (const p of pyPaths) {
    const parts = p.split('/');
    for (let i = 0; i < parts.length - 1; i++) if (parts[i] === 'src') roots.add(parts.slice(0, i + 1).join('/') + '/');
    if (parts[parts.length - 1] === 'setup.py' && parts.length > 1) roots.add(parts.slice(0, -1).join('/') + '/');
  }
  return [...roots];
}

export interface FirstParty {
  /** Top-level module names the repository defines under a source root. */
  modules: Set<string>;
  /** True when `module` (absolute, dotted) is the repository's own, as seen from `file`. */
  isFirstParty(module: string, file: string): boolean;
}

/**
 * A top-level name is first-party when a source root holds `<name>.py`, `<name>/__init__.py` or a `<name>/` folder
 * with .py files at any depth. Scripts also import their siblings (Python puts the script's folder on sys.path), so a
 * name next to the importing file is first-party too.
 */
export function firstPartyModules(pythonPaths: string[]): FirstParty {
  const paths = pythonPaths.map(normPath);
  const modules = new Set<string>();
  // Per directory: names importable from a file in it (sibling modules and packages).
  const siblings = new Map<string, Set<string>>();
  const addSibling = (dir: string, name: string): void => {
    let s = siblings.get(dir);
    if (!s) siblings.set(dir, (s = new Set()));
    s.add(name);
  };
  const roots = sourceRoots(paths);
  for (const p of paths) {
    for (const r of roots) {
      if (!p.startsWith(r)) continue;
      const rel = p.slice(r.length);
      const slash = rel.indexOf('/');
      const name = slash < 0 ? rel.replace(/\.pyi?$/, '') : rel.slice(0, slash);
      if (/^[A-Za-z_]\w*$/.test(name)) modules.add(name);
    }
    const parts = p.split('/');
    for (let i = 0; i < parts.length; i++) {
      const name = i === parts.length - 1 ? parts[i].replace(/\.pyi?$/, '') : parts[i];
      if (/^[A-Za-z_]\w*$/.test(name)) addSibling(parts.slice(0, i).join('/'), name);
    }
  }
  return {
    modules,
    isFirstParty(module: string, file: string): boolean {
      if (module.startsWith('.')) return true;
      const top = module.split('.')[0];
      return modules.has(top) || (siblings.get(dirOf(normPath(file)))?.has(top) ?? false);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pack index

interface Def {
  pack: PackManifest;
  file: PackFile;
  symbol?: SymbolEntry;
}

interface PackIndex {
  modules: Map<string, Def>;
  /** Module-name prefixes of every indexed module (a.b.c gives a, a.b): tells packages without __init__ apart. */
  packages: Set<string>;
  symbols: Map<string, Def[]>;
  topLevels: Map<string, PackManifest>;
}

/**
 * Top-level names a pack's modules can be imported by: its declared import names, else the top-level names the
 * catalogue assigns to the same project. A repository's loose scripts (`train.py`, `model.py`) are not importable
 * names of a package, so `import train` in a bidder's code never resolves to some upstream's train.py.
 */
function importableTops(pack: PackManifest, cat: Catalogue): Set<string> {
  const tops = new Set(pack.importNames ?? []);
  if (tops.size > 0) return tops;
  const project = pack.project.toLowerCase();
  for (const file of pack.files) {
    const top = file.module?.split('.')[0];
    if (!top || tops.has(top)) continue;
    if (lookupImport(top, cat)?.project.toLowerCase() === project) tops.add(top);
  }
  return tops;
}

function buildIndex(packs: PackManifest[], cat: Catalogue): PackIndex {
  const modules = new Map<string, Def>();
  const packages = new Set<string>();
  const symbols = new Map<string, Def[]>();
  const topLevels = new Map<string, PackManifest>();
  // Only 'code' packs: 'background' packs feed document frequency and are never reported (pack-types.ts).
  for (const pack of packs) {
    if (pack.kind !== 'code') continue;
    const tops = importableTops(pack, cat);
    for (const n of tops) if (!topLevels.has(n)) topLevels.set(n, pack);
    for (const file of pack.files) {
      if (!file.module || !tops.has(file.module.split('.')[0])) continue;
      if (modules.has(file.module)) continue; // first pack wins when two packs provide a module
      modules.set(file.module, { pack, file });
      const parts = file.module.split('.');
      for (let i = 1; i < parts.length; i++) packages.add(parts.slice(0, i).join('.'));
      if (!topLevels.has(parts[0])) topLevels.set(parts[0], pack);
      for (const symbol of file.symbols) {
        const list = symbols.get(symbol.name) ?? [];
        list.push({ pack, file, symbol });
        symbols.set(symbol.name, list);
      }
    }
  }
  return { modules, packages, symbols, topLevels };
}

const isModule = (idx: PackIndex, m: string): boolean => idx.modules.has(m) || idx.packages.has(m);

const definesCode = (s: SymbolEntry | undefined): boolean => !!s && (s.kind === 'class' || s.kind === 'function');

/**
 * The pack module that defines `symbol` as imported from `module`: the module itself, else (a package re-exporting
 * it from its __init__, possibly lazily) the submodule that defines it as a class or function.
 */
function resolveSymbol(idx: PackIndex, module: string, symbol: string, starOnly = false): Def | undefined {
  const own = idx.modules.get(module);
  const ownSym = own?.file.symbols.find((s) => s.name === symbol);
  if (own && ownSym && definesCode(ownSym)) return { ...own, symbol: ownSym };
  const prefix = module + '.';
  // A star import's candidates are any names the file reads; only class definitions in submodules are distinctive
  // enough to attribute to it.
  const wanted = (s: SymbolEntry | undefined): boolean => (starOnly ? s?.kind === 'class' : definesCode(s));
  const candidates = (idx.symbols.get(symbol) ?? []).filter(
    (d) => wanted(d.symbol) && d.file.module!.startsWith(prefix) && idx.modules.get(d.file.module!)?.file === d.file,
  );
  if (candidates.length > 0) {
    // Shallowest module first (the public definition), then by name, so the choice is stable.
    candidates.sort((a, b) => depth(a) - depth(b) || (a.file.module! < b.file.module! ? -1 : 1));
    return candidates[0];
  }
  if (!starOnly && own && ownSym) return { ...own, symbol: ownSym };
  return undefined;
}

const depth = (d: Def): number => d.file.module!.split('.').length;

// ---------------------------------------------------------------------------------------------------------------
// Detection

export interface ImportedMassInput {
  /** ImportUses of every repository file (as from extractImports). */
  imports: ImportUse[];
  /** Repository-relative .py paths, to tell first-party modules. */
  pythonPaths: string[];
  packs: PackManifest[];
  catalogue?: Catalogue;
}

interface Use {
  imp: ImportUse;
  module: string; // module the symbol was imported from / read on
  symbol: string;
  line: number;
}

interface Site {
  file: string;
  line: number;
  symbol: string;
}

const MAX_SITES = 20;

/** Expands an ImportUse into the (module, symbol) pairs it actually uses. */
function usesOf(imp: ImportUse, idx: PackIndex): Use[] {
  const out: Use[] = [];
  const viaChains = (base: string): void => {
    for (const a of imp.attributes) {
      let cur = base;
      let i = 0;
      while (i < a.chain.length && isModule(idx, `${cur}.${a.chain[i]}`)) cur = `${cur}.${a.chain[i++]}`;
      if (i < a.chain.length) out.push({ imp, module: cur, symbol: a.chain[i], line: a.line });
    }
  };
  if (imp.kind === 'star') {
    for (const n of imp.starNames ?? []) out.push({ imp, module: imp.module, symbol: n.name, line: n.line });
    return out;
  }
  if (!imp.used) return out;
  if (imp.kind === 'from' && imp.name) {
    const sub = `${imp.module}.${imp.name}`;
    if (isModule(idx, sub) && !resolveSymbol(idx, imp.module, imp.name)) viaChains(sub);
    else out.push({ imp, module: imp.module, symbol: imp.name, line: imp.useLines[0] ?? imp.line });
    return out;
  }
  if (imp.bindingModule) viaChains(imp.bindingModule);
  return out;
}

/** Category of a defining module: the pack file's own, a specific catalogue override, else the pack's. */
function categoryOf(def: Def, entry: CatalogueEntry | undefined): Category {
  if (def.file.category) return def.file.category;
  if (entry && entry.module.includes('.')) return entry.category;
  if (def.pack.category !== 'unknown') return def.pack.category;
  return entry?.category ?? 'unknown';
}

const bySite = (a: { file: string; line: number }, b: { file: string; line: number }): number =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;

/**
 * Findings of kind 'imported-code': one per upstream module whose symbols the repository imports and uses (with that
 * module's mass), one 'unresolved' finding (mass 0) per catalogued non-infrastructure symbol that no pack defines,
 * and one summary finding (kind 'dependency', method 'import', details.summary) counting what weighs nothing:
 * infrastructure, first-party, unused and unknown imports.
 */
export function detectImportedMass(input: ImportedMassInput): Finding[] {
  const cat = input.catalogue ?? shippedCatalogue();
  const idx = buildIndex(input.packs, cat);
  const fp = firstPartyModules(input.pythonPaths);
  const imports = [...input.imports].sort(bySite);

  const resolved = new Map<string, { def: Def; category: Category; entry?: CatalogueEntry; sites: Site[]; symbols: Set<string> }>();
  const unresolved = new Map<string, { entry: CatalogueEntry; pack?: PackManifest; module: string; symbol: string; sites: Site[] }>();
  const infrastructure: Record<string, number> = {};
  const unknownTop = new Set<string>();
  let firstPartyImports = 0;
  let unused = 0;

  for (const imp of imports) {
    if (imp.level > 0 || imp.firstParty || fp.isFirstParty(imp.module, imp.file)) {
      firstPartyImports++;
      continue;
    }
    if (!imp.used) {
      unused++;
      continue;
    }
    const top = imp.module.split('.')[0];
    const importEntry = lookupImport(imp.module, cat);
    const packForTop = idx.topLevels.get(top);
    if (!importEntry && !packForTop) {
      unknownTop.add(top);
      continue;
    }
    for (const u of usesOf(imp, idx)) {
      if (u.symbol.startsWith('__')) continue; // __version__, __file__: module metadata, not code
      const site: Site = { file: imp.file, line: imp.line, symbol: u.symbol };
      const codeOnly = imp.kind === 'star';
      const def = resolveSymbol(idx, u.module, u.symbol, codeOnly);
      if (def) {
        const defEntry = lookupImport(def.file.module!, cat);
        const category = categoryOf(def, defEntry);
        if (category === 'infrastructure') {
          const p = defEntry?.project ?? def.pack.project;
          infrastructure[p] = (infrastructure[p] ?? 0) + 1;
          continue;
        }
        const key = `${def.pack.project}@${def.pack.version}|${def.file.module}`;
        let r = resolved.get(key);
        if (!r) resolved.set(key, (r = { def, category, entry: defEntry, sites: [], symbols: new Set() }));
        r.symbols.add(u.symbol);
        if (r.sites.length < MAX_SITES) r.sites.push(site);
        continue;
      }
      if (codeOnly) continue; // a star import's candidate names are guesses; only definitions found count
      const entry = lookupImport(`${u.module}.${u.symbol}`, cat) ?? importEntry;
      if (!entry || entry.category === 'infrastructure') {
        if (entry) infrastructure[entry.project] = (infrastructure[entry.project] ?? 0) + 1;
        else unknownTop.add(top);
        continue;
      }
      const key = `${entry.project}|${u.module}|${u.symbol}`;
      let r = unresolved.get(key);
      if (!r) unresolved.set(key, (r = { entry, pack: packForTop, module: u.module, symbol: u.symbol, sites: [] }));
      if (r.sites.length < MAX_SITES) r.sites.push(site);
    }
  }

  const findings: Finding[] = [];
  for (const r of resolved.values()) {
    const { pack, file } = r.def;
    const first = r.sites[0];
    const symbols = [...r.symbols].sort();
    const upstream: UpstreamRef = {
      project: pack.project,
      version: pack.version,
      commit: pack.commit,
      remote: pack.remote,
      path: file.path,
      licence: pack.licence ?? r.entry?.licence,
      category: r.category,
      pack: `${pack.project}@${pack.version}`,
      module: file.module,
      symbol: symbols[0],
    };
    findings.push({
      id: stableId('imp', pack.project, file.module, first.file),
      kind: 'imported-code',
      category: r.category,
      file: first.file,
      lines: { start: first.line, end: first.line },
      upstream,
      method: 'import',
      confidence: 1,
      strength: 'strong',
      upstreamTokens: file.tokens,
      message:
        `imports ${symbols.join(', ')} from ${file.module} (${pack.project} ${pack.version}, ${r.category}): ` +
        `${file.tokens} tokens of upstream code`,
      details: { symbols, sites: r.sites, moduleLines: file.codeLines },
    });
  }
  for (const r of unresolved.values()) {
    const first = r.sites[0];
    findings.push({
      id: stableId('imp', r.entry.project, `${r.module}.${r.symbol}`, first.file),
      kind: 'imported-code',
      category: r.entry.category,
      file: first.file,
      lines: { start: first.line, end: first.line },
      upstream: {
        project: r.entry.project,
        version: r.pack?.version ?? 'unknown',
        licence: r.pack?.licence ?? r.entry.licence,
        category: r.entry.category,
        pack: r.pack ? `${r.pack.project}@${r.pack.version}` : undefined,
        module: r.module,
        symbol: r.symbol,
      },
      method: 'import',
      confidence: 0.5,
      strength: 'info',
      upstreamTokens: 0,
      message:
        `imports ${r.symbol} from ${r.module} (${r.entry.project}, ${r.entry.category}); ` +
        (r.pack ? `not found in pack ${r.pack.project}@${r.pack.version}` : 'no signature pack covers it') +
        ', so its code mass is not counted',
      details: { unresolved: true, sites: r.sites },
    });
  }
  if (imports.length > 0) {
    findings.push({
      // Kind 'dependency', not 'imported-code': it points to no upstream, weighs nothing, and must not reach the
      // licences gate as borrowed code of unknown licence.
      id: stableId('imp', 'summary'),
      kind: 'dependency',
      category: 'infrastructure',
      file: '.',
      method: 'import',
      confidence: 1,
      strength: 'info',
      upstreamTokens: 0,
      message:
        `imports: ${resolved.size} upstream module(s) counted, ${unresolved.size} unresolved, ` +
        `${Object.values(infrastructure).reduce((a, b) => a + b, 0)} infrastructure use(s) weigh nothing`,
      details: {
        summary: true,
        infrastructure,
        firstPartyImports,
        unusedImports: unused,
        unknownModules: [...unknownTop].sort(),
        resolvedModules: resolved.size,
        unresolvedSymbols: unresolved.size,
      },
    });
  }
  return findings;
}
