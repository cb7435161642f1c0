/**
 * The normalized token vocabulary. Packs store token kinds as bytes and fingerprints are hashes of kinds, so the
 * numbering is part of the pack format: changing it means bumping VOCABULARY_VERSION (old packs are then refused
 * with a message telling how to rebuild them).
 */
export const VOCABULARY_VERSION = 2;

export const KIND_OTHER = 1; // an anonymous token the grammar gained after this list was written
export const KIND_NAME = 2; // identifier
export const KIND_STRING = 3; // string, f-string, concatenated strings
export const KIND_NUMBER = 4; // integer, float
export const KIND_INDENT = 5; // block opens (synthetic; not code mass)
export const KIND_DEDENT = 6; // block closes (synthetic; not code mass)

const NAMED_LEAVES: Record<string, number> = { true: 7, false: 8, none: 9, ellipsis: 10 };

// Anonymous tokens of tree-sitter-python 0.25 (keywords, operators, punctuation), in a fixed order.
const ANONYMOUS = [
  'is not', 'not in', '!=', '%', '%=', '&', '&=', '(', ')', '*', '**', '**=', '*=', '+', '+=', ',', '-', '-=', '->', '.',
  '/', '//', '//=', '/=', ':', ':=', ';', '<', '<<', '<<=', '<=', '<>', '=', '==', '>', '>=', '>>', '>>=', '@', '@=', '[',
  '\\', ']', '^', '^=', '_', '__future__', 'and', 'as', 'assert', 'async', 'await', 'break', 'case', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'exec', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda',
  'match', 'nonlocal', 'not', 'or', 'pass', 'print', 'raise', 'return', 'try', 'type', 'while', 'with', 'yield', '{', '|',
  '|=', '}', '~',
];
const FIRST_ANONYMOUS = 16;

const KIND_BY_TEXT = new Map<string, number>(ANONYMOUS.map((t, i) => [t, FIRST_ANONYMOUS + i]));

/** Kind of an anonymous (keyword/operator/punctuation) token, by its text. */
export function anonymousKind(text: string): number {
  return KIND_BY_TEXT.get(text) ?? KIND_OTHER;
}

/** Kind of a named leaf that is kept as itself (True, False, None, ...), or undefined. */
export function namedLeafKind(type: string): number | undefined {
  return NAMED_LEAVES[type];
}

/** Readable text of a kind, for debugging and reports. */
export function kindText(kind: number): string {
  switch (kind) {
    case KIND_NAME: return '$';
    case KIND_STRING: return 'S';
    case KIND_NUMBER: return 'N';
    case KIND_INDENT: return '<INDENT>';
    case KIND_DEDENT: return '<DEDENT>';
    case KIND_OTHER: return '<OTHER>';
    default: {
      for (const [t, k] of Object.entries(NAMED_LEAVES)) if (k === kind) return t === 'none' ? 'None' : t === 'ellipsis' ? '...' : t[0].toUpperCase() + t.slice(1);
      return ANONYMOUS[kind - FIRST_ANONYMOUS] ?? '?';
    }
  }
}

/** Tokens that carry a name or value: the ones whose raw text tells a verbatim copy from a renamed one. */
export function isValueKind(kind: number): boolean {
  return kind === KIND_NAME || kind === KIND_STRING || kind === KIND_NUMBER;
}

/** Synthetic tokens that structure the stream but are not code mass. */
export function isMassKind(kind: number): boolean {
  return kind !== KIND_INDENT && kind !== KIND_DEDENT;
}
