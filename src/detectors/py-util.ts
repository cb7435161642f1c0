// Small helpers over tree-sitter-python nodes shared by the detectors that read Python statically.
import type Parser from 'tree-sitter';
import { createHash } from 'node:crypto';

export type SyntaxNode = Parser.SyntaxNode;

/** 1-based line of a node's first character. */
export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/**
 * Value of a string literal (or an implicit concatenation of literals); undefined for f-strings with
 * interpolations, bytes, or anything that is not a literal. Only simple escapes are decoded: the values we look
 * for (module names, model ids, paths) do not use the others.
 */
export function stringValue(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) return stringValue(node.namedChildren[0]);
  if (node.type === 'concatenated_string') {
    let out = '';
    for (const part of node.namedChildren) {
      const v = stringValue(part);
      if (v === undefined) return undefined;
      out += v;
    }
    return out;
  }
  if (node.type !== 'string') return undefined;
  const start = node.firstChild;
  const prefix = start && start.type === 'string_start' ? start.text.replace(/['"]+$/, '').toLowerCase() : '';
  if (prefix.includes('b')) return undefined;
  const raw = prefix.includes('r');
  let out = '';
  for (const child of node.children) {
    if (child.type === 'interpolation') return undefined;
    if (child.type !== 'string_content') continue;
    // string_content holds escape_sequence children; decode them unless raw.
    let text = child.text;
    if (!raw) text = text.replace(/\\(.)/gs, (m, c: string) => SIMPLE_ESCAPES[c] ?? m);
    out += text;
  }
  return out;
}

/** Dotted name of an identifier or attribute chain (`a.b.c`), or undefined when the chain has calls/subscripts. */
export function dottedName(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const obj = dottedName(node.childForFieldName('object'));
    const attr = node.childForFieldName('attribute');
    return obj !== undefined && attr ? `${obj}.${attr.text}` : undefined;
  }
  return undefined;
}

/** Positional and keyword arguments of a call node. */
export function callArguments(call: SyntaxNode): { positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> } {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return { positional, keywords };
  for (const a of args.namedChildren) {
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name');
      const value = a.childForFieldName('value');
      if (name && value) keywords.set(name.text, value);
    } else if (a.type !== 'comment' && a.type !== 'list_splat' && a.type !== 'dictionary_splat') {
      positional.push(a);
    }
  }
  return { positional, keywords };
}

/** First 16 hex digits of sha1 over the parts joined with '|': stable content-based finding ids. */
export function stableId(prefix: string, ...parts: (string | number | undefined)[]): string {
  const h = createHash('sha1').update(parts.map((p) => (p === undefined ? '' : String(p))).join('|')).digest('hex');
  return `${prefix}:${h.slice(0, 16)}`;
}

/** Forward-slash, no leading './'. */
export function normPath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

export function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
