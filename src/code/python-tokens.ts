import type { SymbolEntry } from '../signatures/pack-types';
import { parsePython } from './parser';
import {
  KIND_DEDENT, KIND_INDENT, KIND_NAME, KIND_NUMBER, KIND_STRING, anonymousKind, isMassKind, namedLeafKind,
} from './token-kinds';

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

// What the walker does with each node type; decided once per grammar symbol id.
const enum Action {
  Descend,
  Skip, // comments, line continuations: nothing enters the stream
  Anonymous, // keyword/operator/punctuation leaf
  Name,
  String, // whole string node collapses to one token, its parts are not visited
  Number,
  NamedLeaf, // True/False/None/...
  Block,
  ExpressionStatement, // may be a docstring or a bare string used as a comment
  Error,
}

const actionCache: Action[] = [];
const kindCache: number[] = [];

function classify(type: string, named: boolean): Action {
  if (!named) return Action.Anonymous;
  switch (type) {
    case 'comment':
    case 'line_continuation':
      return Action.Skip;
    case 'identifier':
      return Action.Name;
    case 'string':
    case 'concatenated_string':
      return Action.String;
    case 'integer':
    case 'float':
      return Action.Number;
    case 'block':
      return Action.Block;
    case 'expression_statement':
      return Action.ExpressionStatement;
    case 'ERROR':
      return Action.Error;
    default:
      return namedLeafKind(type) !== undefined ? Action.NamedLeaf : Action.Descend;
  }
}

/** FNV-1a over a slice of the source, without allocating the substring. */
function hashSlice(src: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= src.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function lineStartsOf(src: string): Uint32Array {
  let n = 1;
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  const starts = new Uint32Array(n + 1);
  let j = 1;
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts[j++] = i + 1;
  starts[n] = src.length + 1; // sentinel
  return starts;
}

/** Line (1-based) of a character index, by binary search over line starts. */
function lineOfIndex(starts: Uint32Array, index: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const m = (lo + hi + 1) >>> 1;
    if (starts[m] <= index) lo = m;
    else hi = m - 1;
  }
  return lo + 1;
}

class Builder {
  kinds: Uint8Array;
  lines: Uint32Array;
  raw: Uint32Array;
  count = 0;
  mass = 0;
  constructor(capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.raw = new Uint32Array(capacity);
  }
  push(kind: number, line: number, raw: number): void {
    if (this.count === this.kinds.length) this.grow();
    this.kinds[this.count] = kind;
    this.lines[this.count] = line;
    this.raw[this.count] = raw;
    this.count++;
    if (isMassKind(kind)) this.mass++;
  }
  private grow(): void {
    const n = this.kinds.length * 2 + 16;
    const k = new Uint8Array(n); k.set(this.kinds); this.kinds = k;
    const l = new Uint32Array(n); l.set(this.lines); this.lines = l;
    const r = new Uint32Array(n); r.set(this.raw); this.raw = r;
  }
}

/** Tokenizes Python source. Files with syntax errors still give tokens for what parsed (syntaxErrors > 0). */
export function tokenizePython(source: string): TokenStream {
  const tree = parsePython(source);
  const starts = lineStartsOf(source);
  const lineCount = source.length === 0 ? 0 : starts.length - 1 - (source.endsWith('\n') ? 1 : 0);
  // About one token per 4 characters of Python; grows if needed.
  const out = new Builder(Math.max(64, source.length >> 2));
  let linePtr = 0;
  const lineAt = (index: number): number => {
    if (index < starts[linePtr]) linePtr = 0; // never expected (document order), but stay correct
    while (starts[linePtr + 1] <= index) linePtr++;
    return linePtr + 1;
  };

  const symbols: SymbolEntry[] = [];
  let errors = 0;
  let firstErrorLine: number | undefined;
  // Stack of open blocks' last lines, so DEDENT carries the line where the block ends.
  const blockEnds: number[] = [];
  let symbolStart = -1;

  // Every cursor property is a call into native code: each node costs as few of them as possible (one type id,
  // one or two indices for leaves), and what depends only on the grammar symbol is cached by its id.
  const broken = tree.rootNode.hasError;
  const openBlock: number[] = []; // per depth: 1 when the node at that depth opened a block
  const c = tree.walk();
  let depth = 0;
  outer: for (;;) {
    const typeId = c.nodeTypeId;
    let action = actionCache[typeId];
    if (action === undefined) {
      const type = c.nodeType;
      action = actionCache[typeId] = classify(type, c.nodeIsNamed);
      kindCache[typeId] = action === Action.Anonymous ? anonymousKind(type) : namedLeafKind(type) ?? 0;
    }
    let descend = false;
    openBlock[depth] = 0;
    if (depth === 1) symbolStart = out.count;
    switch (action) {
      case Action.Anonymous: {
        if (broken && c.nodeIsMissing) break; // a token error recovery invented: not in the source
        const kind = kindCache[typeId];
        out.push(kind, lineAt(c.startIndex), kind);
        break;
      }
      case Action.Name:
      case Action.String:
      case Action.Number: {
        const s = c.startIndex;
        const kind = action === Action.Name ? KIND_NAME : action === Action.String ? KIND_STRING : KIND_NUMBER;
        out.push(kind, lineAt(s), hashSlice(source, s, c.endIndex));
        break;
      }
      case Action.NamedLeaf: {
        const kind = kindCache[typeId];
        out.push(kind, lineAt(c.startIndex), kind);
        break;
      }
      case Action.Block: {
        const s = c.startIndex;
        const e = c.endIndex;
        if (e > s) {
          out.push(KIND_INDENT, lineAt(s), KIND_INDENT);
          blockEnds.push(lineOfIndex(starts, e - 1));
          openBlock[depth] = 1;
          descend = true;
        }
        break;
      }
      case Action.ExpressionStatement: {
        // A statement that is only a string is a docstring or a comment in disguise: it does not enter.
        c.gotoFirstChild();
        const first = actionCache[c.nodeTypeId] ?? classify(c.nodeType, c.nodeIsNamed);
        const alone = !c.gotoNextSibling();
        c.gotoParent();
        descend = !(first === Action.String && alone);
        break;
      }
      case Action.Error:
        errors++;
        if (firstErrorLine === undefined) firstErrorLine = lineAt(c.startIndex);
        descend = true;
        break;
      case Action.Skip:
        break;
      default:
        descend = true;
    }
    if (descend && c.gotoFirstChild()) {
      depth++;
      continue;
    }
    // Leave this node (and its ancestors that have no next sibling).
    for (;;) {
      if (openBlock[depth] === 1) out.push(KIND_DEDENT, blockEnds.pop() ?? 0, KIND_DEDENT);
      if (depth === 1) recordSymbol(c, symbols, symbolStart, out);
      if (c.gotoNextSibling()) continue outer;
      if (!c.gotoParent()) break outer;
      depth--;
    }
  }
  // tree-sitter marks missing tokens without ERROR nodes; count the tree as broken then too.
  if (errors === 0 && tree.rootNode.hasError) {
    errors = 1;
    firstErrorLine = firstBrokenLine(tree.rootNode);
  }

  let codeLines = 0;
  let last = 0;
  for (let i = 0; i < out.count; i++) {
    const l = out.lines[i];
    if (l !== last && isMassKind(out.kinds[i])) {
      codeLines++;
      last = l;
    }
  }
  return {
    kinds: out.kinds.subarray(0, out.count),
    lines: out.lines.subarray(0, out.count),
    raw: out.raw.subarray(0, out.count),
    count: out.count,
    mass: out.mass,
    lineCount,
    codeLines,
    symbols,
    syntaxErrors: errors,
    firstErrorLine,
  };
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

function recordSymbol(c: import('tree-sitter').TreeCursor, symbols: SymbolEntry[], startToken: number, out: Builder): void {
  const type = c.nodeType;
  if (type !== 'function_definition' && type !== 'class_definition' && type !== 'decorated_definition' && type !== 'expression_statement') return;
  const node = c.currentNode;
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
  let tokens = 0;
  for (let i = startToken; i < out.count; i++) if (isMassKind(out.kinds[i])) tokens++;
  symbols.push({ name, kind, start: node.startPosition.row + 1, end: node.endPosition.row + 1, tokens });
}
