import {
  KIND_DEDENT, KIND_INDENT, KIND_NAME, KIND_NUMBER, KIND_OTHER, KIND_STRING, anonymousKind, namedLeafKind,
} from './token-kinds';

/**
 * Python's lexical grammar in one pass over the source: the normalized token stream the fingerprints are made of.
 *
 * Why a lexer and not a walk over the tree: every TreeCursor step is a call into native code, and walking all
 * nodes of the standard library cost as much as parsing it (measured: 2.2 M nodes, walk 1.64 s, parse 1.73 s).
 * The lexer needs a fraction of that; tree-sitter still parses every file for syntax errors, symbols and imports.
 *
 * Stream rules (the same at pack build and audit, which is all matching needs): identifiers -> $, strings
 * (adjacent literals, f-strings with their fields) -> S, numbers -> N, keywords and operators as themselves,
 * INDENT/DEDENT where a logical line's indentation grows/shrinks; comments, line continuations and statements
 * made only of string literals (docstrings) never enter.
 */
export interface LexedTokens {
  kinds: Uint8Array;
  lines: Uint32Array;
  raw: Uint32Array;
  count: number;
}

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield',
]);
const CONSTANTS: Record<string, number> = { True: namedLeafKind('true')!, False: namedLeafKind('false')!, None: namedLeafKind('none')! };
const ELLIPSIS = namedLeafKind('ellipsis')!;
const KIND_IS_NOT = anonymousKind('is not');
const KIND_NOT_IN = anonymousKind('not in');
const KIND_IS = anonymousKind('is');
const KIND_NOT = anonymousKind('not');
const KIND_IN = anonymousKind('in');

// Operators by length, longest first, so '**=' wins over '**' and '*'.
const OPS3 = new Set(['**=', '//=', '>>=', '<<=']);
const OPS2 = new Set(['!=', '%=', '&=', '**', '*=', '+=', '-=', '->', '//', '/=', ':=', '<<', '<=', '<>', '==', '>=', '>>', '@=', '^=', '|=']);
const OPS1 = new Set(['%', '&', '(', ')', '*', '+', ',', '-', '.', '/', ':', ';', '<', '=', '>', '@', '[', ']', '^', '{', '|', '}', '~']);

const ID_START = /[\p{L}\p{Nl}_]/u;
const ID_CONTINUE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;
const NUMBER = /(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)[lL]?/y;
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/;

function isIdStart(c: number, s: string, i: number): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  return c > 127 && ID_START.test(String.fromCodePoint(s.codePointAt(i) ?? c));
}

function isIdContinue(c: number, s: string, i: number): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57)) return true;
  return c > 127 && ID_CONTINUE.test(String.fromCodePoint(s.codePointAt(i) ?? c));
}

function hashSlice(src: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= src.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * End index of the string literal whose quote starts at `q` (after any prefix). Unterminated strings end at the end
 * of their line (single-quoted) or of the file (triple-quoted), as Python's tokenizer would report them.
 */
function stringEnd(src: string, q: number, fstring: boolean, raw: boolean): number {
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  let i = q + (triple ? 3 : 1);
  let depth = 0; // f-string replacement fields may hold strings with the other quote
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 92 /* \ */ && (!raw || depth === 0)) {
      i += 2;
      continue;
    }
    if (fstring && c === 123 /* { */) {
      if (src.charCodeAt(i + 1) === 123 && depth === 0) i += 2;
      else {
        depth++;
        i++;
      }
      continue;
    }
    if (fstring && c === 125 /* } */ && depth > 0) {
      depth--;
      i++;
      continue;
    }
    if (depth > 0 && (c === 34 || c === 39) && c !== quote) {
      i = stringEnd(src, i, false, false);
      continue;
    }
    if (c === quote) {
      if (!triple) return i + 1;
      if (src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote) return i + 3;
    }
    if (c === 10 && !triple && depth === 0) return i; // unterminated single-quoted string
    i++;
  }
  return n;
}

class Out {
  kinds: Uint8Array;
  lines: Uint32Array;
  raw: Uint32Array;
  count = 0;
  constructor(cap: number) {
    this.kinds = new Uint8Array(cap);
    this.lines = new Uint32Array(cap);
    this.raw = new Uint32Array(cap);
  }
  push(kind: number, line: number, raw: number): void {
    if (this.count === this.kinds.length) {
      const n = this.count * 2 + 64;
      const k = new Uint8Array(n); k.set(this.kinds); this.kinds = k;
      const l = new Uint32Array(n); l.set(this.lines); this.lines = l;
      const r = new Uint32Array(n); r.set(this.raw); this.raw = r;
    }
    this.kinds[this.count] = kind;
    this.lines[this.count] = line;
    this.raw[this.count] = raw;
    this.count++;
  }
}

/** Tokenizes Python source text into the normalized stream. Never throws: odd characters become OTHER tokens. */
export function lexPython(src: string): LexedTokens {
  const out = new Out(Math.max(64, src.length >> 2));
  const n = src.length;
  const indents: number[] = [0];
  let line = 1;
  let i = 0;
  let paren = 0; // inside (), [], {} newlines and indentation do not count
  let atLineStart = true;
  // Where the current logical line's tokens begin, and whether all of them so far are strings: a logical line made
  // only of strings is a docstring or a comment in disguise and is taken back out when the line ends.
  let lineFirst = 0;
  let onlyStrings = true;

  let lastWasString = false; // adjacent string literals ("a" "b") are one string, as in the grammar
  const endLogicalLine = (): void => {
    if (out.count > lineFirst && onlyStrings) out.count = lineFirst;
    lineFirst = out.count;
    onlyStrings = true;
    lastWasString = false;
  };

  while (i < n) {
    let c = src.charCodeAt(i);
    if (atLineStart && paren === 0) {
      // Measure indentation; blank and comment-only lines do not change it.
      let col = 0;
      let j = i;
      for (; j < n; j++) {
        const d = src.charCodeAt(j);
        if (d === 32) col++;
        else if (d === 9) col = (col & ~7) + 8;
        else if (d === 12) col = 0;
        else break;
      }
      const d = src.charCodeAt(j);
      if (j >= n || d === 10 || d === 13 || d === 35 /* # */ || (d === 92 && (src.charCodeAt(j + 1) === 10 || src.charCodeAt(j + 1) === 13))) {
        i = j;
        atLineStart = false;
        if (j >= n) break;
        c = d;
      } else {
        atLineStart = false;
        i = j;
        c = d;
        const top = indents[indents.length - 1];
        if (col > top) {
          indents.push(col);
          out.push(KIND_INDENT, line, KIND_INDENT);
        } else if (col < top) {
          const lastLine = out.count ? out.lines[out.count - 1] : line;
          while (indents.length > 1 && col < indents[indents.length - 1]) {
            indents.pop();
            out.push(KIND_DEDENT, lastLine, KIND_DEDENT);
          }
        }
        lineFirst = out.count;
        onlyStrings = true;
      }
    }
    if (c === 10) {
      line++;
      i++;
      if (paren === 0) {
        atLineStart = true;
        endLogicalLine();
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 92 /* \ line continuation */) {
      i++;
      if (src.charCodeAt(i) === 13) i++;
      if (src.charCodeAt(i) === 10) {
        line++;
        i++;
      }
      continue;
    }
    const start = i;
    // Strings, with an optional prefix (r, b, u, f and pairs).
    if (c === 34 || c === 39 || isIdStart(c, src, i)) {
      let q = i;
      if (c !== 34 && c !== 39) {
        while (q < n && q - i < 2 && /[rRuUbBfF]/.test(src[q])) q++;
        const qc = src.charCodeAt(q);
        if (!((qc === 34 || qc === 39) && STRING_PREFIX.test(src.slice(i, q)))) q = -1;
      }
      if (q >= 0) {
        const prefix = src.slice(i, q).toLowerCase();
        const end = stringEnd(src, q, prefix.includes('f'), prefix.includes('r'));
        const startLine = line;
        for (let k = q; k < end; k++) if (src.charCodeAt(k) === 10) line++;
        if (lastWasString && out.count > 0 && out.kinds[out.count - 1] === KIND_STRING) {
          out.raw[out.count - 1] = (Math.imul(out.raw[out.count - 1], 31) + hashSlice(src, start, end)) >>> 0;
        } else {
          out.push(KIND_STRING, startLine, hashSlice(src, start, end));
        }
        lastWasString = true;
        i = end;
        continue;
      }
    }
    lastWasString = false;
    if (isIdStart(c, src, i)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (!isIdContinue(d, src, i)) break;
        i += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
      }
      const word = src.slice(start, i);
      onlyStrings = false;
      if (KEYWORDS.has(word)) {
        const kind = anonymousKind(word);
        const prev = out.count > 0 ? out.kinds[out.count - 1] : 0;
        // 'is not' and 'not in' are single operators in the grammar.
        if (kind === KIND_NOT && prev === KIND_IS && out.count > lineFirst) out.kinds[out.count - 1] = KIND_IS_NOT;
        else if (kind === KIND_IN && prev === KIND_NOT && out.count > lineFirst) out.kinds[out.count - 1] = KIND_NOT_IN;
        else out.push(kind, line, kind);
        if (out.kinds[out.count - 1] === KIND_IS_NOT || out.kinds[out.count - 1] === KIND_NOT_IN) out.raw[out.count - 1] = out.kinds[out.count - 1];
      } else if (CONSTANTS[word] !== undefined) {
        out.push(CONSTANTS[word], line, CONSTANTS[word]);
      } else {
        out.push(KIND_NAME, line, hashSlice(src, start, i));
      }
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      i = m && m[0].length > 0 ? i + m[0].length : i + 1;
      onlyStrings = false;
      out.push(KIND_NUMBER, line, hashSlice(src, start, i));
      continue;
    }
    onlyStrings = false;
    if (c === 46 && src.charCodeAt(i + 1) === 46 && src.charCodeAt(i + 2) === 46) {
      out.push(ELLIPSIS, line, ELLIPSIS);
      i += 3;
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    let op: string | undefined;
    if (OPS3.has(three)) op = three;
    else if (OPS2.has(two)) op = two;
    else if (OPS1.has(src[i])) op = src[i];
    if (op) {
      if (op === '(' || op === '[' || op === '{') paren++;
      else if ((op === ')' || op === ']' || op === '}') && paren > 0) paren--;
      const kind = anonymousKind(op);
      out.push(kind, line, kind);
      i += op.length;
      continue;
    }
    // A character Python does not know ($, ?, a stray backtick): kept as OTHER so the streams stay aligned.
    out.push(KIND_OTHER, line, c);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  endLogicalLine();
  const lastLine = out.count ? out.lines[out.count - 1] : line;
  while (indents.length > 1) {
    indents.pop();
    out.push(KIND_DEDENT, lastLine, KIND_DEDENT);
  }
  return { kinds: out.kinds.subarray(0, out.count), lines: out.lines.subarray(0, out.count), raw: out.raw.subarray(0, out.count), count: out.count };
}
