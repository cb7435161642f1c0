// tiktoken rank files: one "<base64 token bytes> <rank>" per line. Ranks are ids; tokens are raw bytes.

import { FormatError, MAX_TOKENS } from './read-hf';
import type { Vocabulary } from './types';

const NodeBuffer = Buffer; // module alias: global lookups are slow in vm contexts (jest)
const LINE = /^([A-Za-z0-9+/]*={0,2}) (\d{1,9})$/;

/** Cheap sniff: the first non-empty line looks like "base64 rank". */
export function looksLikeTiktoken(head: string): boolean {
  const first = head.split('\n').find((l) => l.trim() !== '');
  return first !== undefined && LINE.test(first.replace(/\r$/, ''));
}

export function tiktokenToVocabulary(text: string): Vocabulary {
  const tokens: (string | undefined)[] = [];
  const warnings: string[] = [];
  let n = 0;
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) throw new FormatError(`line ${lineNo}: not "<base64> <rank>"`);
    if (++n > MAX_TOKENS) throw new FormatError(`more than ${MAX_TOKENS} ranks`);
    const rank = +m[2];
    if (rank >= MAX_TOKENS * 4) throw new FormatError(`line ${lineNo}: rank ${rank} too large`);
    if (tokens[rank] !== undefined) {
      if (warnings.length < 20) warnings.push(`rank ${rank} appears twice (line ${lineNo}); first kept`);
      continue;
    }
    tokens[rank] = NodeBuffer.from(m[1], 'base64').toString('latin1');
  }
  if (n === 0) throw new FormatError('no ranks');
  return { format: 'tiktoken', style: 'raw-bytes', tokens, added: [], merges: [], breadcrumbs: {}, warnings, files: [] };
}
