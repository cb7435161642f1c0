// Imports of a Python file and whether each imported binding is used, read statically with tree-sitter.
import type { Tree } from 'tree-sitter';
import { parsePython } from '../code/parser';
import { callArguments, dottedName, lineOf, stringValue, type SyntaxNode } from './py-util';

export type ImportKind = 'import' | 'from' | 'star' | 'dynamic';

/** An attribute chain read on a binding: `transformers.models.llama.LlamaModel` gives ['models', 'llama', 'LlamaModel']. */
export interface AttributeUse {
  chain: string[];
  line: number;
}

export interface ImportUse {
  file: string;
  kind: ImportKind;
  /** Absolute dotted module; for relative imports as written ('.', '..pkg.mod'). */
  module: string;
  /** `from module import name`: the imported name (may be a symbol or a submodule). */
  name?: string;
  /** Local name bound by the statement; undefined for star imports and unassigned dynamic imports. */
  binding?: string;
  /** When the binding is a module object: which module (`import a.b` binds a; `import a.b as c` binds a.b). */
  bindingModule?: string;
  line: number;
  /** Leading dots of a relative import; 0 for absolute ones. */
  level: number;
  /** Relative imports always; absolute ones once the caller knows the repository's own top-level modules. */
  firstParty: boolean;
  /** Inside try/except, if, with, loops, or a function: may not run. */
  conditional: boolean;
  scope: 'module' | 'function' | 'class';
  used: boolean;
  /** Lines where the binding is referenced (first MAX_USE_LINES). */
  useLines: number[];
  /** Distinct attribute chains read on the binding, first line each. */
  attributes: AttributeUse[];
  /** Star imports: names referenced in the file that nothing else in the file binds (candidates for the star). */
  starNames?: { name: string; line: number }[];
}

const MAX_USE_LINES = 50;
const MAX_CHAINS = 500;
const MAX_STAR_NAMES = 5000;

const CONDITIONAL_PARENTS = new Set([
  'try_statement',
  'if_statement',
  'with_statement',
  'for_statement',
  'while_statement',
  'function_definition',
  'match_statement',
]);

interface Ref {
  lines: number[];
  chains: Map<string, AttributeUse>;
}

/** Identifiers in these (parent type, field) positions name something new rather than reference a binding. */
function isDefiningPosition(node: SyntaxNode, parent: SyntaxNode): boolean {
  const is = (field: string): boolean => parent.childForFieldName(field)?.startIndex === node.startIndex;
  switch (parent.type) {
    case 'attribute':
      return !is('object');
    case 'keyword_argument':
    case 'function_definition':
    case 'class_definition':
    case 'default_parameter':
    case 'typed_default_parameter':
      return is('name');
    case 'assignment':
    case 'augmented_assignment':
      // `x = ...` rebinds x rather than using it (`except ImportError: flash_attn = None`); `x += 1` reads it.
      return parent.type === 'assignment' && is('left');
    case 'parameters':
    case 'lambda_parameters':
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
    case 'typed_parameter':
    case 'global_statement':
    case 'nonlocal_statement':
    case 'dotted_name':
    case 'aliased_import':
      return true;
    default:
      return false;
  }
}

/** Whether an enclosing function or lambda declares `name` as a parameter (which then shadows the import). */
function shadowedByParameter(node: SyntaxNode, name: string): boolean {
  const re = new RegExp(`(^|[^\\w.])${name}\\b`);
  for (let n = node.parent; n; n = n.parent) {
    if (n.type !== 'function_definition' && n.type !== 'lambda') continue;
    const params = n.childForFieldName('parameters');
    if (params && re.test(params.text)) {
      // Confirm on the tree: a default value may mention the name without declaring it.
      for (const id of params.descendantsOfType('identifier')) {
        if (id.text === name && id.parent && isDefiningPosition(id, id.parent)) return true;
      }
    }
  }
  return false;
}

function importContext(node: SyntaxNode): { conditional: boolean; scope: ImportUse['scope'] } {
  let conditional = false;
  let scope: ImportUse['scope'] = 'module';
  for (let n = node.parent; n; n = n.parent) {
    if (CONDITIONAL_PARENTS.has(n.type)) conditional = true;
    if (scope === 'module' && n.type === 'function_definition') scope = 'function';
    else if (scope === 'module' && n.type === 'class_definition') scope = 'class';
  }
  return { conditional, scope };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * All imports of a Python source and how each binding is used. Never throws on syntax errors (tree-sitter recovers;
 * what it cannot read is skipped). `parsed`: the tree of `source` when the caller has parsed it already.
 *
 * Uses are found by scanning the text for each bound name and confirming each hit on the tree (an identifier that
 * reads the binding, not a string, comment, attribute name, keyword or parameter). This touches only the few nodes
 * that matter; walking every node through the binding costs several times the parse.
 */
export function extractImports(source: string, file: string, parsed?: Tree): ImportUse[] {
  const tree = parsed ?? parsePython(source);
  const root = tree.rootNode;
  const imports: ImportUse[] = [];
  // Import statements found from the text: each `import` keyword is looked up in the tree (a string or a comment
  // is not a statement), instead of a search through every node of a large file.
  const seen = new Set<number>();
  for (const m of source.matchAll(/\bimport\b/g)) {
    let n: SyntaxNode | null = root.descendantForIndex(m.index, m.index + 6);
    for (let up = 0; n && up < 3 && n.type !== 'import_statement' && n.type !== 'import_from_statement'; up++) n = n.parent;
    if (!n || (n.type !== 'import_statement' && n.type !== 'import_from_statement') || seen.has(n.startIndex)) continue;
    seen.add(n.startIndex);
    imports.push(...readImportStatement(n, file, importContext(n)));
  }
  if (source.includes('__import__') || source.includes('import_module')) {
    for (const call of root.descendantsOfType('call')) {
      const dyn = readDynamicImport(call, file, importContext(call));
      if (dyn) imports.push(dyn);
    }
  }
  imports.sort((a, b) => a.line - b.line);

  // Uses of the bound names: one pass of one regex over the text, each hit confirmed on the tree.
  const refs = new Map<string, Ref>();
  const names = [...new Set(imports.map((i) => i.binding).filter((b): b is string => !!b))];
  for (const name of names) refs.set(name, { lines: [], chains: new Map() });
  if (names.length > 0) {
    // Climbing to enclosing functions is costly; only do it for names some signature in the file mentions.
    const signatureWords = new Set<string>();
    for (const m of source.matchAll(/\bdef\s+\w+\s*\(([^)]*)|\blambda\b([^:\n]*):/g)) {
      // Parameter names only: the first word of each comma-separated piece, not annotations (x: torch.Tensor) or
      // defaults, which would send every use of torch up the tree.
      for (const piece of (m[1] ?? m[2] ?? '').split(',')) {
        const w = /^\s*\**\s*([A-Za-z_]\w*)/.exec(piece);
        if (w) signatureWords.add(w[1]);
      }
    }
    const alternatives = names.sort((a, b) => b.length - a.length).map(escapeRe).join('|');
    const re = new RegExp(`(?<![\\w.])(${alternatives})(?![\\w])((?:\\s*\\.\\s*[A-Za-z_]\\w*)*)`, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(source))) {
      const name = m[1];
      // Once a name has all the use lines we keep and this attribute chain is known (or the chains are full), a
      // confirmation on the tree could change nothing: skip it (common names such as torch are used thousands of times).
      const known = refs.get(name)!;
      const chainKey = m[2] ? m[2].split('.').slice(1).map((p) => p.trim()).join('.') : '';
      if (known.lines.length >= MAX_USE_LINES && (chainKey === '' || known.chains.has(chainKey) || known.chains.size >= MAX_CHAINS)) continue;
      const node = root.descendantForIndex(m.index, m.index + name.length);
      if (node.type !== 'identifier' || node.startIndex !== m.index || node.text !== name) continue;
      const parent = node.parent;
      if (!parent || isDefiningPosition(node, parent)) continue;
      if (signatureWords.has(name) && shadowedByParameter(node, name)) continue;
      const r = refs.get(name)!;
      const line = node.startPosition.row + 1;
      if (r.lines.length < MAX_USE_LINES) r.lines.push(line);
      if (m[2]) {
        const chain = m[2].split('.').slice(1).map((p) => p.trim());
        const key = chain.join('.');
        if (!r.chains.has(key) && r.chains.size < MAX_CHAINS) r.chains.set(key, { chain, line });
      }
    }
  }

  const importedNames = new Set(refs.keys());
  const star = imports.some((i) => i.kind === 'star') ? freeNames(root, importedNames) : [];
  for (const imp of imports) {
    if (imp.kind === 'star') {
      imp.starNames = star;
      imp.used = star.length > 0;
      continue;
    }
    if (!imp.binding) continue;
    const r = refs.get(imp.binding);
    if (!r) continue;
    imp.useLines = r.lines.slice();
    imp.used = imp.used || r.lines.length > 0;
    imp.attributes = [...r.chains.values()];
  }
  return imports;
}

/** Names a file reads but neither binds itself nor imports by name: the candidates a star import may supply. */
function freeNames(root: SyntaxNode, imported: Set<string>): { name: string; line: number }[] {
  const local = new Set<string>();
  const reads = new Map<string, number>();
  for (const id of root.descendantsOfType('identifier')) {
    const parent = id.parent;
    if (!parent) continue;
    const name = id.text;
    if (isDefiningPosition(id, parent)) {
      if (parent.type !== 'attribute' && parent.type !== 'keyword_argument') local.add(name);
      continue;
    }
    if (!reads.has(name)) reads.set(name, id.startPosition.row + 1);
  }
  const out: { name: string; line: number }[] = [];
  for (const [name, line] of reads) {
    if (imported.has(name) || local.has(name)) continue;
    if (out.length >= MAX_STAR_NAMES) break;
    out.push({ name, line });
  }
  return out;
}

function readImportStatement(
  node: SyntaxNode,
  file: string,
  ctx: { conditional: boolean; scope: ImportUse['scope'] },
): ImportUse[] {
  const line = lineOf(node);
  const base = (kind: ImportKind, module: string, level: number): ImportUse => ({
    file,
    kind,
    module,
    line,
    level,
    firstParty: level > 0,
    conditional: ctx.conditional,
    scope: ctx.scope,
    used: false,
    useLines: [],
    attributes: [],
  });
  const out: ImportUse[] = [];
  if (node.type === 'import_statement') {
    for (const n of node.childrenForFieldName('name')) {
      if (n.type === 'dotted_name') {
        const module = n.text.replace(/\s+/g, '');
        const top = module.split('.')[0];
        out.push({ ...base('import', module, 0), binding: top, bindingModule: top });
      } else if (n.type === 'aliased_import') {
        const module = (n.childForFieldName('name')?.text ?? '').replace(/\s+/g, '');
        const alias = n.childForFieldName('alias')?.text;
        if (module) out.push({ ...base('import', module, 0), binding: alias ?? module, bindingModule: module });
      }
    }
    return out;
  }
  // import_from_statement
  const modNode = node.childForFieldName('module_name');
  let module = '';
  let level = 0;
  if (modNode?.type === 'relative_import') {
    const prefix = modNode.namedChildren.find((c) => c.type === 'import_prefix');
    level = prefix ? prefix.text.replace(/[^.]/g, '').length : 0;
    const dn = modNode.namedChildren.find((c) => c.type === 'dotted_name');
    module = '.'.repeat(level) + (dn ? dn.text.replace(/\s+/g, '') : '');
  } else if (modNode) {
    module = modNode.text.replace(/\s+/g, '');
  }
  if (!module) return out;
  if (node.namedChildren.some((c) => c.type === 'wildcard_import')) {
    out.push(base('star', module, level));
    return out;
  }
  for (const n of node.childrenForFieldName('name')) {
    if (n.type === 'dotted_name') {
      const name = n.text;
      out.push({ ...base('from', module, level), name, binding: name });
    } else if (n.type === 'aliased_import') {
      const name = n.childForFieldName('name')?.text;
      const alias = n.childForFieldName('alias')?.text;
      if (name) out.push({ ...base('from', module, level), name, binding: alias ?? name });
    }
  }
  return out;
}

/** `__import__('x')`, `importlib.import_module('x')`, `import_module('x')` with a literal name. */
function readDynamicImport(
  call: SyntaxNode,
  file: string,
  ctx: { conditional: boolean; scope: ImportUse['scope'] },
): ImportUse | undefined {
  const fn = dottedName(call.childForFieldName('function'));
  if (fn !== '__import__' && fn !== 'importlib.import_module' && fn !== 'import_module') return undefined;
  const { positional, keywords } = callArguments(call);
  const name = stringValue(positional[0] ?? keywords.get('name'));
  if (!name || !/^\.*[A-Za-z_][\w.]*$/.test(name)) return undefined;
  const pkg = stringValue(positional[1] ?? keywords.get('package'));
  const level = name.match(/^\.*/)![0].length;
  const module = level > 0 && pkg ? `${pkg}${name.slice(1) ? '.' + name.slice(level) : ''}` : name;
  const parent = call.parent;
  let binding: string | undefined;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === call.id) {
    const left = parent.childForFieldName('left');
    if (left?.type === 'identifier') binding = left.text;
  }
  // __import__('a.b') returns the top-level package a; import_module returns a.b itself.
  const bindingModule = fn === '__import__' ? module.split('.')[0] : module;
  return {
    file,
    kind: 'dynamic',
    module,
    binding,
    bindingModule: binding ? bindingModule : undefined,
    line: lineOf(call),
    level: level > 0 && !pkg ? level : 0,
    firstParty: level > 0 && !pkg,
    conditional: true, // runs only if the call is reached
    scope: ctx.scope,
    used: !binding, // an unassigned dynamic import is used for its effect
    useLines: [],
    attributes: [],
  };
}
