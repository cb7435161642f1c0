// Readers of Python dependency manifests. Static only: setup.py is parsed, never run; includes are read through a
// callback, cycle-safe and size-capped; a broken or hostile file gives a warning and never stops the audit.
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { parsePython } from '../code/parser';
import { catalogue as shippedCatalogue, normalizePypiName, type Catalogue } from './catalogue';
import { baseName, callArguments, dirOf, dottedName, lineOf, normPath, stringValue, type SyntaxNode } from './py-util';

export type ManifestSource = 'requirements' | 'pyproject' | 'poetry' | 'setup.cfg' | 'setup.py' | 'conda' | 'pipfile';

export interface Dependency {
  name: string;
  /** PEP 503-normalized name. */
  normalized: string;
  /** Version constraint as written ('' when none). */
  spec: string;
  extras: string[];
  marker?: string;
  url?: string;
  manifest: string;
  line?: number;
  /** Optional group / extra / dev section; undefined for the main dependencies. */
  group?: string;
  source: ManifestSource;
  /** From a `-c` constraints file: pins a version, declares nothing. */
  constraint?: boolean;
}

export interface DeclaredLicence {
  file: string;
  line?: number;
  licence: string; // as written (validated by licences.ts)
  source: ManifestSource;
}

export interface ManifestRead {
  dependencies: Dependency[];
  licences: DeclaredLicence[];
  warnings: string[];
}

/** Files above this size are not read: no honest manifest is that large, and a hostile one must not stall us. */
export const MAX_MANIFEST_CHARS = 1 << 20;
const MAX_INCLUDE_DEPTH = 8;
const MAX_INCLUDES = 64;
const MAX_DEPENDENCIES = 5000;

export type ReadFile = (relPath: string) => string | undefined;

/** Which manifest format a path is, if any. */
export function manifestKind(path: string): ManifestSource | undefined {
  const name = baseName(normPath(path)).toLowerCase();
  if (/^requirements.*\.(txt|in)$/.test(name) || /^.*requirements\.(txt|in)$/.test(name)) return 'requirements';
  if (name === 'pyproject.toml') return 'pyproject';
  if (name === 'setup.cfg') return 'setup.cfg';
  if (name === 'setup.py') return 'setup.py';
  if (name === 'environment.yml' || name === 'environment.yaml' || /^environment[-.\w]*\.ya?ml$/.test(name)) return 'conda';
  if (name === 'pipfile') return 'pipfile';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// PEP 508 requirement strings

const REQ = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

/** Parses one requirement string (`name[extra]>=1,<2; python_version<"3.12"`, `name @ url`). */
export function parseRequirement(text: string): Omit<Dependency, 'manifest' | 'source'> | undefined {
  let s = text.trim();
  if (!s) return undefined;
  let marker: string | undefined;
  const semi = s.indexOf(';');
  if (semi >= 0) {
    marker = s.slice(semi + 1).trim() || undefined;
    s = s.slice(0, semi).trim();
  }
  const m = REQ.exec(s);
  if (!m) return undefined;
  const extras = m[2] ? m[2].slice(1, -1).split(',').map((e) => e.trim()).filter(Boolean) : [];
  let rest = m[3].trim();
  let url: string | undefined;
  if (rest.startsWith('@')) {
    url = rest.slice(1).trim();
    rest = '';
  }
  if (rest && !/^[<>=!~(]/.test(rest)) return undefined; // not a requirement
  return { name: m[1], normalized: normalizePypiName(m[1]), spec: rest.replace(/^\(|\)$/g, '').replace(/\s+/g, ''), extras, marker, url };
}

/** `git+https://host/org/repo.git#egg=name` and similar: the name from the egg fragment. */
function requirementFromUrl(url: string): Omit<Dependency, 'manifest' | 'source'> | undefined {
  const egg = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url);
  if (!egg) return undefined;
  return { name: egg[1], normalized: normalizePypiName(egg[1]), spec: '', extras: [], url };
}

// ---------------------------------------------------------------------------------------------------------------
// requirements*.txt

function joinRelative(fromFile: string, rel: string): string | undefined {
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || /^[a-z+]+:\/\//.test(rel)) return undefined;
  const parts = dirOf(normPath(fromFile)).split('/').filter(Boolean);
  for (const p of normPath(rel).split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return undefined; // outside the repository
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

function readRequirements(path: string, text: string, readFile: ReadFile | undefined, out: ManifestRead): void {
  const visiting = new Set<string>();
  let includes = 0;
  const visit = (file: string, body: string, depth: number, constraint: boolean): void => {
    if (body.length > MAX_MANIFEST_CHARS) {
      out.warnings.push(`${file}: requirements file of ${body.length} characters exceeds ${MAX_MANIFEST_CHARS}; not read`);
      return;
    }
    visiting.add(file);
    const lines = body.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let line = lines[i];
      while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
      line = line.replace(/(^|\s)#.*$/, '').trim();
      if (!line) continue;
      const opt = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(line) ?? /^(-r|-c)(\S+)/.exec(line);
      if (opt) {
        const isConstraint = opt[1] === '-c' || opt[1] === '--constraint';
        const target = joinRelative(file, opt[2]);
        if (!target) {
          out.warnings.push(`${file}:${lineNo}: include ${opt[2]} is outside the repository or remote; not read`);
        } else if (visiting.has(target)) {
          out.warnings.push(`${file}:${lineNo}: recursive include of ${target}; skipped`);
        } else if (depth >= MAX_INCLUDE_DEPTH || includes >= MAX_INCLUDES) {
          out.warnings.push(`${file}:${lineNo}: too many nested includes (at ${target}); not read`);
        } else {
          includes++;
          const sub = readFile?.(target);
          if (sub === undefined) out.warnings.push(`${file}:${lineNo}: included file ${target} not found`);
          else visit(target, sub, depth + 1, constraint || isConstraint);
        }
        continue;
      }
      const edit = /^(?:-e|--editable)(?:\s+|=)(\S+)/.exec(line);
      if (edit) {
        const dep = requirementFromUrl(edit[1]);
        if (dep) add(dep, file, lineNo, constraint);
        continue;
      }
      if (line.startsWith('-')) continue; // --index-url, --find-links, --pre, ...
      const req = line.replace(/\s--hash[= ]\S+/g, '').replace(/\s--\S+/g, '').trim();
      const dep = /^[a-z+]+:\/\//i.test(req) || req.startsWith('git+') ? requirementFromUrl(req) : parseRequirement(req);
      if (dep) add(dep, file, lineNo, constraint);
    }
    visiting.delete(file);
  };
  const add = (dep: Omit<Dependency, 'manifest' | 'source'>, file: string, line: number, constraint: boolean): void => {
    if (out.dependencies.length >= MAX_DEPENDENCIES) return;
    out.dependencies.push({ ...dep, manifest: file, line, source: 'requirements', constraint: constraint || undefined });
  };
  visit(path, text, 0, false);
}

// ---------------------------------------------------------------------------------------------------------------
// TOML: pyproject.toml (PEP 621, Poetry, PEP 735 groups) and Pipfile

function lineAt(text: string, i: number): number {
  let line = 1;
  for (let j = text.indexOf('\n'); j >= 0 && j < i; j = text.indexOf('\n', j + 1)) line++;
  return line;
}

/** Line of a quoted list entry (`"torch>=2"`), else of the first occurrence of the text. */
function lineOfText(text: string, needle: string): number | undefined {
  for (const n of [`"${needle}"`, `'${needle}'`, needle]) {
    const i = text.indexOf(n);
    if (i >= 0) return lineAt(text, i);
  }
  return undefined;
}

/** Line of a `name = ...` key in a TOML table. */
function lineOfKey(text: string, key: string): number | undefined {
  const m = new RegExp(`^[ \\t]*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?[ \\t]*=`, 'mi').exec(text);
  return m ? lineAt(text, m.index) : lineOfText(text, key);
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Poetry/Pipfile style: `name = "^1.2"` or `name = { version = "...", extras = [...] }`. */
function tableDependencies(
  table: unknown,
  group: string | undefined,
  path: string,
  text: string,
  source: ManifestSource,
  out: ManifestRead,
): void {
  if (!isTable(table)) return;
  for (const [name, value] of Object.entries(table)) {
    if (name.toLowerCase() === 'python') continue; // the interpreter, not a package
    let spec = '';
    let extras: string[] = [];
    let url: string | undefined;
    if (typeof value === 'string') spec = value === '*' ? '' : value;
    else if (isTable(value)) {
      spec = typeof value.version === 'string' && value.version !== '*' ? value.version : '';
      extras = strings(value.extras);
      url = typeof value.git === 'string' ? value.git : typeof value.url === 'string' ? value.url : undefined;
    }
    out.dependencies.push({
      name,
      normalized: normalizePypiName(name),
      spec,
      extras,
      url,
      manifest: path,
      line: lineOfKey(text, name),
      group,
      source,
    });
  }
}

function pep508List(list: unknown, group: string | undefined, path: string, text: string, source: ManifestSource, out: ManifestRead): void {
  for (const s of strings(list)) {
    const dep = parseRequirement(s);
    if (dep) out.dependencies.push({ ...dep, manifest: path, line: lineOfText(text, s), group, source });
    else out.warnings.push(`${path}: cannot read requirement ${JSON.stringify(s.slice(0, 80))}`);
  }
}

function readPyproject(path: string, text: string, out: ManifestRead): void {
  const doc = parseToml(text) as Table;
  const project = isTable(doc.project) ? doc.project : undefined;
  if (project) {
    pep508List(project.dependencies, undefined, path, text, 'pyproject', out);
    if (isTable(project['optional-dependencies'])) {
      for (const [g, list] of Object.entries(project['optional-dependencies'])) pep508List(list, g, path, text, 'pyproject', out);
    }
    const lic = project.license;
    // PEP 639: a string is an SPDX expression; the older table form { text = "..." } or { file = "..." }.
    if (typeof lic === 'string') out.licences.push({ file: path, licence: lic, line: lineOfKey(text, 'license'), source: 'pyproject' });
    else if (isTable(lic) && typeof lic.text === 'string') {
      out.licences.push({ file: path, licence: lic.text, line: lineOfKey(text, 'license'), source: 'pyproject' });
    }
  }
  if (isTable(doc['dependency-groups'])) {
    for (const [g, list] of Object.entries(doc['dependency-groups'])) pep508List(list, g, path, text, 'pyproject', out);
  }
  const tool = isTable(doc.tool) ? doc.tool : undefined;
  const poetry = tool && isTable(tool.poetry) ? tool.poetry : undefined;
  if (poetry) {
    tableDependencies(poetry.dependencies, undefined, path, text, 'poetry', out);
    tableDependencies(poetry['dev-dependencies'], 'dev', path, text, 'poetry', out);
    if (isTable(poetry.group)) {
      for (const [g, body] of Object.entries(poetry.group)) if (isTable(body)) tableDependencies(body.dependencies, g, path, text, 'poetry', out);
    }
    if (typeof poetry.license === 'string') {
      out.licences.push({ file: path, licence: poetry.license, line: lineOfKey(text, 'license'), source: 'poetry' });
    }
  }
}

function readPipfile(path: string, text: string, out: ManifestRead): void {
  const doc = parseToml(text) as Table;
  tableDependencies(doc.packages, undefined, path, text, 'pipfile', out);
  tableDependencies(doc['dev-packages'], 'dev', path, text, 'pipfile', out);
}

// ---------------------------------------------------------------------------------------------------------------
// setup.cfg (INI, read by hand: configparser semantics for sections, keys and indented continuation lines)

function parseIni(text: string): Map<string, Map<string, { value: string; line: number }>> {
  const sections = new Map<string, Map<string, { value: string; line: number }>>();
  let section: Map<string, { value: string; line: number }> | undefined;
  let last: { value: string; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (/^\s*[#;]/.test(raw) || !raw.trim()) continue;
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) {
      const name = sec[1].trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last) {
      last.value += '\n' + raw.trim();
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv && section) {
      last = { value: kv[2].trim(), line: i + 1 };
      section.set(kv[1].trim().toLowerCase().replace(/-/g, '_'), last);
    }
  }
  return sections;
}

function readSetupCfg(path: string, text: string, out: ManifestRead): void {
  const ini = parseIni(text);
  const reqLines = (v: string): string[] => v.split(/\n|;(?=\s*[A-Za-z])/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  const install = ini.get('options')?.get('install_requires');
  if (install) {
    for (const r of reqLines(install.value)) {
      const dep = parseRequirement(r);
      if (dep) out.dependencies.push({ ...dep, manifest: path, line: lineOfText(text, r) ?? install.line, source: 'setup.cfg' });
    }
  }
  for (const [g, entry] of ini.get('options.extras_require') ?? []) {
    for (const r of reqLines(entry.value)) {
      const dep = parseRequirement(r);
      if (dep) out.dependencies.push({ ...dep, manifest: path, line: lineOfText(text, r) ?? entry.line, group: g, source: 'setup.cfg' });
    }
  }
  const lic = ini.get('metadata')?.get('license');
  if (lic && lic.value) out.licences.push({ file: path, licence: lic.value, line: lic.line, source: 'setup.cfg' });
}

// ---------------------------------------------------------------------------------------------------------------
// setup.py, read with tree-sitter (never run)

function readSetupPy(path: string, text: string, out: ManifestRead): void {
  const tree = parsePython(text);
  // Module-level NAME = [...] / {...} assignments, so `install_requires=REQUIRED` can be followed.
  const assigned = new Map<string, SyntaxNode>();
  for (const stmt of tree.rootNode.namedChildren) {
    const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type === 'identifier' && right) assigned.set(left.text, right);
  }
  const deref = (n: SyntaxNode | undefined): SyntaxNode | undefined =>
    n?.type === 'identifier' ? assigned.get(n.text) : n;
  const listOf = (n: SyntaxNode | undefined): { value: string; line: number }[] => {
    const node = deref(n);
    if (!node || (node.type !== 'list' && node.type !== 'tuple')) return [];
    const vals: { value: string; line: number }[] = [];
    for (const c of node.namedChildren) {
      const v = stringValue(c);
      if (v !== undefined) vals.push({ value: v, line: lineOf(c) });
    }
    return vals;
  };
  for (const call of tree.rootNode.descendantsOfType('call')) {
    const fn = dottedName(call.childForFieldName('function'));
    if (fn !== 'setup' && !fn?.endsWith('.setup')) continue;
    const { keywords } = callArguments(call);
    for (const r of listOf(keywords.get('install_requires'))) {
      const dep = parseRequirement(r.value);
      if (dep) out.dependencies.push({ ...dep, manifest: path, line: r.line, source: 'setup.py' });
    }
    const extras = deref(keywords.get('extras_require'));
    if (extras?.type === 'dictionary') {
      for (const pair of extras.namedChildren) {
        if (pair.type !== 'pair') continue;
        const g = stringValue(pair.childForFieldName('key'));
        for (const r of listOf(pair.childForFieldName('value') ?? undefined)) {
          const dep = parseRequirement(r.value);
          if (dep) out.dependencies.push({ ...dep, manifest: path, line: r.line, group: g ?? 'extra', source: 'setup.py' });
        }
      }
    }
    const lic = stringValue(deref(keywords.get('license')));
    if (lic) out.licences.push({ file: path, licence: lic, line: lineOf(call), source: 'setup.py' });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// environment.yml (conda + pip sections)

/** Conda packages that are toolchains or system libraries, never Python imports. */
const CONDA_NON_PYTHON = new Set([
  'python', 'pip', 'cudatoolkit', 'cuda-toolkit', 'cudnn', 'nccl', 'pytorch-cuda', 'cuda', 'cuda-version', 'mkl',
  'cuda-nvcc', 'cxx-compiler', 'gcc', 'gxx', 'ninja', 'cmake', 'git', 'libgcc', 'ffmpeg', 'nodejs',
]);

function readEnvironmentYml(path: string, text: string, cat: Catalogue, readFile: ReadFile | undefined, out: ManifestRead): void {
  const doc = parseYaml(text, { maxAliasCount: 100 }) as unknown;
  if (!isTable(doc)) {
    if (doc !== null && doc !== undefined) out.warnings.push(`${path}: not a conda environment (top level is not a mapping)`);
    return;
  }
  const deps = Array.isArray(doc.dependencies) ? doc.dependencies : [];
  for (const d of deps) {
    if (typeof d === 'string') {
      // channel::name=version=build, name>=1.0, name 1.0
      const spec = d.includes('::') ? d.slice(d.indexOf('::') + 2) : d;
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$/.exec(spec.trim());
      if (!m) continue;
      const conda = m[1].toLowerCase();
      if (CONDA_NON_PYTHON.has(conda) || conda.startsWith('lib')) continue;
      const name = cat.condaToPypi.get(conda) ?? m[1];
      out.dependencies.push({
        name,
        normalized: normalizePypiName(name),
        spec: m[2].replace(/\s+/g, ''),
        extras: [],
        manifest: path,
        line: lineOfText(text, d),
        source: 'conda',
      });
    } else if (isTable(d) && Array.isArray(d.pip)) {
      const pipText = strings(d.pip).join('\n');
      // pip entries follow requirements-file syntax, including -r includes relative to the environment file.
      const sub: ManifestRead = { dependencies: [], licences: [], warnings: [] };
      readRequirements(path, pipText, readFile, sub);
      for (const dep of sub.dependencies) {
        out.dependencies.push({
          ...dep,
          source: dep.manifest === path ? 'conda' : dep.source,
          group: dep.manifest === path ? 'pip' : dep.group,
          line: dep.manifest === path ? lineOfText(text, strings(d.pip)[(dep.line ?? 1) - 1] ?? dep.name) : dep.line,
        });
      }
      out.warnings.push(...sub.warnings);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

/** Reads one manifest. Never throws: a broken or hostile file gives a warning naming it. */
export function readManifest(path: string, text: string, readFile?: ReadFile, cat: Catalogue = shippedCatalogue()): ManifestRead {
  const out: ManifestRead = { dependencies: [], licences: [], warnings: [] };
  const kind = manifestKind(path);
  if (!kind) return out;
  if (text.length > MAX_MANIFEST_CHARS) {
    out.warnings.push(`${path}: manifest of ${text.length} characters exceeds ${MAX_MANIFEST_CHARS}; not read`);
    return out;
  }
  try {
    switch (kind) {
      case 'requirements':
        readRequirements(path, text, readFile, out);
        break;
      case 'pyproject':
      case 'poetry':
        readPyproject(path, text, out);
        break;
      case 'pipfile':
        readPipfile(path, text, out);
        break;
      case 'setup.cfg':
        readSetupCfg(path, text, out);
        break;
      case 'setup.py':
        readSetupPy(path, text, out);
        break;
      case 'conda':
        readEnvironmentYml(path, text, cat, readFile, out);
        break;
    }
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    out.warnings.push(`${path}: cannot read ${kind} manifest: ${msg}`);
  }
  return out;
}
