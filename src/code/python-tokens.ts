import type { SymbolEntry } from '../signatures/pack-types';
import { parsePython } from './parser';
import { lexPython } from './python-lexer';
import { isMassKind } from './token-kinds';

/**
 * A file as a normalized token stream. Identifiers, strings and numbers are collapsed to placeholders so renamed
 * copies match; keywords, operators, punctuation and block structure stay. Comments and docstrings never enter.
 */
export interface TokenStream {
  kinds: Uint8Array;
  /** 1-based line of each token. */
  lines: Uint32Array;
  /** 32-bit hash of each token's raw text (for names and literals; the kind for the rest). */
  raw: Uint32Array;
  count: number;
  /** Code mass: tokens without the synthetic block markers. */
  mass: number;
  /** Physical lines of the file and lines that hold at least one token. */
  lineCount: number;
  codeLines: number;
  /** Top-level definitions with their line ranges and code mass. */
  symbols: SymbolEntry[];
  syntaxErrors: number;
  firstErrorLine?: number;
}

/** Index of the first token whose line is at least `line` (tokens are in line order). */
function firstTokenAtOrAfter(lines: Uint32Array, line: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (lines[m] < line) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Tokenizes Python source: the normalized stream comes from the lexer, the parse from tree-sitter (syntax errors,
 * top-level symbols). Files with syntax errors still give tokens for all their text (syntaxErrors > 0).
 */
export function tokenizePython(source: string, parsed?: import('tree-sitter').Tree): TokenStream {
  const lexed = lexPython(source);
  const tree = parsed ?? parsePython(source);
  const root = tree.rootNode;
  let syntaxErrors = 0;
  let firstErrorLine: number | undefined;
  if (root.hasError) {
    syntaxErrors = 1;
    firstErrorLine = firstBrokenLine(root);
  }
  let mass = 0;
  let codeLines = 0;
  let last = 0;
  for (let i = 0; i < lexed.count; i++) {
    if (!isMassKind(lexed.kinds[i])) continue;
    mass++;
    if (lexed.lines[i] !== last) {
      codeLines++;
      last = lexed.lines[i];
    }
  }
  const symbols: SymbolEntry[] = [];
  for (const node of root.namedChildren) recordSymbol(node, symbols, lexed);
  let newlines = 0;
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) newlines++;
  const lineCount = source.length === 0 ? 0 : newlines + (source.endsWith('\n') ? 0 : 1);
  return { ...lexed, mass, lineCount, codeLines, symbols, syntaxErrors, firstErrorLine };
}

/** Line of the first missing or erroneous node, following the branch that has the error. */
function firstBrokenLine(root: import('tree-sitter').SyntaxNode): number {
  let node = root;
  for (;;) {
    if (node.isMissing || node.type === 'ERROR') return node.startPosition.row + 1;
    const next = node.children.find((ch) => ch.hasError || ch.isMissing);
    if (!next) return node.startPosition.row + 1;
    node = next;
  }
}

function recordSymbol(node: import('tree-sitter').SyntaxNode, symbols: SymbolEntry[], lexed: { kinds: Uint8Array; lines: Uint32Array }): void {
  const type = node.type;
  let def = node;
  if (type === 'decorated_definition') def = node.childForFieldName('definition') ?? node;
  let name: string | undefined;
  let kind: SymbolEntry['kind'] = 'variable';
  if (def.type === 'function_definition' || def.type === 'class_definition') {
    name = def.childForFieldName('name')?.text;
    kind = def.type === 'class_definition' ? 'class' : 'function';
  } else if (type === 'expression_statement') {
    const first = node.firstNamedChild;
    if (first && first.type === 'assignment') {
      const left = first.childForFieldName('left');
      if (left && left.type === 'identifier') name = left.text;
    }
  }
  if (!name) return;
  const start = node.startPosition.row + 1;
  const end = node.endPosition.row + 1;
  let tokens = 0;
  for (let i = firstTokenAtOrAfter(lexed.lines, start); i < lexed.lines.length && lexed.lines[i] <= end; i++) if (isMassKind(lexed.kinds[i])) tokens++;
  symbols.push({ name, kind, start, end, tokens });
}
