// Source transformations that a copier would apply to hide a copy: renaming, reformatting, stripping comments.
// Used by tests (on the machine's Python standard library) and to make the derived samples.
import type { SyntaxNode } from 'tree-sitter';
import { parsePython } from '../code/parser';

/** Names a renamer leaves alone so the result still reads as Python that uses the same libraries. */
const KEEP = new Set([
  'self', 'cls', 'super', 'print', 'len', 'range', 'isinstance', 'list', 'dict', 'set', 'tuple', 'int', 'float', 'str',
  'bool', 'bytes', 'min', 'max', 'sum', 'zip', 'enumerate', 'sorted', 'reversed', 'any', 'all', 'map', 'filter', 'iter',
  'next', 'open', 'getattr', 'setattr', 'hasattr', 'object', 'property', 'staticmethod', 'classmethod', 'Exception',
  'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'NotImplementedError', 'StopIteration',
  'torch', 'nn', 'F', 'math', 'time', 'os', 're', 'sys', 'dataclass', 'field', 'None', 'True', 'False', '__init__',
  '__name__', '__all__',
]);

function leaves(node: SyntaxNode, out: SyntaxNode[]): void {
  if (node.type === 'string' || node.type === 'comment' || node.childCount === 0) {
    out.push(node);
    return;
  }
  for (const c of node.children) leaves(c, out);
}

/** Renames every identifier not in KEEP consistently (locals, parameters, attributes, classes, functions). */
export function renameIdentifiers(source: string, rename: (name: string, index: number) => string = (n, i) => `v${i}_${n.length}`): string {
  const tree = parsePython(source);
  const ids: SyntaxNode[] = [];
  const all: SyntaxNode[] = [];
  leaves(tree.rootNode, all);
  for (const n of all) if (n.type === 'identifier' && !KEEP.has(n.text)) ids.push(n);
  const names = new Map<string, string>();
  let out = '';
  let at = 0;
  for (const n of ids) {
    let nn = names.get(n.text);
    if (!nn) {
      nn = rename(n.text, names.size);
      names.set(n.text, nn);
    }
    out += source.slice(at, n.startIndex) + nn;
    at = n.endIndex;
  }
  return out + source.slice(at);
}

function isDocstring(n: SyntaxNode): boolean {
  return n.type === 'expression_statement' && n.namedChildCount === 1 && n.firstNamedChild?.type === 'string';
}

/** Drops comments and docstrings; empty blocks get `pass` so the result still parses. */
export function stripComments(source: string): string {
  const tree = parsePython(source);
  const cuts: [number, number][] = [];
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'comment') cuts.push([n.startIndex, n.endIndex]);
    else if (isDocstring(n)) {
      const siblings = n.parent?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
      if (siblings.length > 1) cuts.push([n.startIndex, n.endIndex]);
    } else for (const c of n.children) visit(c);
  };
  visit(tree.rootNode);
  let out = '';
  let at = 0;
  for (const [s, e] of cuts.sort((a, b) => a[0] - b[0])) {
    out += source.slice(at, s);
    at = e;
  }
  out += source.slice(at);
  // Remove lines left empty or with trailing spaces only, and collapse runs of blank lines.
  return out
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l, i, arr) => l !== '' || (i > 0 && arr[i - 1] !== ''))
    .join('\n');
}

/**
 * Rewrites layout: two-space indentation, a space between every pair of tokens, and one argument per line inside
 * brackets. The token sequence stays the same, every line break and column changes.
 */
export function reformat(source: string): string {
  const tree = parsePython(source);
  const all: SyntaxNode[] = [];
  leaves(tree.rootNode, all);
  const lines = source.split('\n');
  const indentOf = (row: number): number => (lines[row].match(/^ */)?.[0].length ?? 0) / 2;
  let out = '';
  let depth = 0;
  let lastRow = -1;
  let pendingBreak = false;
  let baseIndent = 0;
  for (const n of all) {
    if (n.type === 'comment') continue;
    const row = n.startPosition.row;
    if (row !== lastRow && depth === 0) {
      baseIndent = indentOf(row);
      out += (out ? '\n' : '') + ' '.repeat(baseIndent);
    } else if (pendingBreak) {
      out += '\n' + ' '.repeat(baseIndent + 4);
    } else if (out && !out.endsWith(' ') && !out.endsWith('\n')) out += ' ';
    pendingBreak = false;
    out += n.text;
    lastRow = n.endPosition.row;
    if (n.type === '(' || n.type === '[' || n.type === '{') depth++;
    else if (n.type === ')' || n.type === ']' || n.type === '}') depth = Math.max(0, depth - 1);
    else if (n.type === ',' && depth > 0) pendingBreak = true;
  }
  return out + '\n';
}
