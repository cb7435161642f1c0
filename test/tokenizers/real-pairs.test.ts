// Real tokenizer pairs read in place from the npm devDependencies, and the committed reference signatures.

import { loadTokenizerSignatures } from '../../src/tokenizers';
import { compareWithSignature } from '../../src/tokenizers/compare';
import { loadReferenceVocabulary, REFERENCE_SOURCES } from '../../src/tokenizers/npm-sources';
import { indexVocabulary, type IndexedVocabulary, signatureFromVocabulary } from '../../src/tokenizers/signature';
import type { TokenizerComparison, TokenizerSignature } from '../../src/tokenizers/types';
import { MODULES, SIGNATURES } from './helpers';

const indexed = new Map<string, IndexedVocabulary>();
function ix(name: string): IndexedVocabulary {
  let v = indexed.get(name);
  if (!v) indexed.set(name, (v = indexVocabulary(loadReferenceVocabulary(name, MODULES))));
  return v;
}

const committed = new Map<string, TokenizerSignature>(loadTokenizerSignatures(SIGNATURES).map((s) => [s.name, s]));

const exactSignatures = new Map<string, TokenizerSignature>();
const exactResults = new Map<string, TokenizerComparison>();
/** Exact figures: a signature whose sample holds every token (memoized: several tests read the same pairs). */
function exact(ref: string, cand: string): TokenizerComparison {
  const key = `${ref}|${cand}`;
  let r = exactResults.get(key);
  if (r) return r;
  let sig = exactSignatures.get(ref);
  if (!sig) exactSignatures.set(ref, (sig = signatureFromVocabulary(ix(ref).vocab, { name: ref, tokenSample: Infinity, mergeSample: Infinity }, ix(ref))));
  exactResults.set(key, (r = compareWithSignature(ix(cand), sig)));
  return r;
}

function sampled(ref: string, cand: string): TokenizerComparison {
  return compareWithSignature(ix(cand), committed.get(ref)!);
}

describe('npm vocabularies decode to the published sizes', () => {
  test.each([
    ['llama-2', 31997, 61249, 3],
    ['mistral-7b', 31997, 58980, 3],
    ['llama-3', 128000, 280147, 256],
    ['r50k_base', 50256, 0, 1],
    ['p50k_base', 50280, 0, 1],
    ['cl100k_base', 100256, 0, 5],
    ['o200k_base', 199998, 0, 2],
    ['qwen3', 151643, 151387, 26],
    ['deepseek-v3', 127997, 127741, 818],
  ])('%s: %i regular tokens, %i merges, %i specials', (name, regular, merges, added) => {
    const v = ix(name);
    expect(v.regular).toBe(regular);
    expect(v.vocab.merges.length).toBe(merges);
    expect(v.vocab.added.length).toBe(added);
  });

  test('Llama 3 merges decode to pairs whose concatenation is a vocabulary token', () => {
    const v = ix('llama-3');
    const set = new Set(v.tokens);
    for (const [a, b] of v.vocab.merges.slice(0, 2000)) expect(set.has(a + b)).toBe(true);
    expect(v.vocab.merges[0]).toEqual([' ', ' ']);
  });
});

describe('derived pairs (real)', () => {
  test('r50k (GPT-2) -> p50k: extended, same ids', () => {
    const c = exact('r50k_base', 'p50k_base');
    expect(c.relation).toBe('derived');
    expect(c.containment).toBe(1);
    expect(c.spearman).toBe(1);
    expect(c.sameIdPrefix).toBe(50256);
    expect(c.sharedSpecials).toEqual(['<|endoftext|>=50256']);
  });

  test('cl100k -> Llama 3: the first 100,256 ids are cl100k', () => {
    const c = exact('cl100k_base', 'llama-3');
    expect(c.relation).toBe('derived');
    expect(c.containmentOfReference).toBe(1);
    expect(c.sameIdPrefix).toBe(100256);
    expect(c.containmentOfCandidate).toBeCloseTo(0.783, 3);
  });

  test('cl100k -> Qwen3: pruned then extended, re-numbered, order preserved', () => {
    const c = exact('cl100k_base', 'qwen3');
    expect(c.relation).toBe('derived');
    expect(c.containment).toBeGreaterThan(0.985);
    expect(c.containment).toBeLessThan(0.995);
    expect(c.spearman).toBeGreaterThanOrEqual(0.999);
    expect(c.sameIdPrefix).toBeLessThan(1000); // the ids moved: order, not position, is the evidence
  });
});

describe('independent pairs (real): overlap is informational', () => {
  test.each([
    ['llama-2', 'mistral-7b', 0.7, 0.8, 0.75, 0.85],
    ['r50k_base', 'cl100k_base', 0.82, 0.9, 0.7, 0.78],
    ['qwen3', 'deepseek-v3', 0.6, 0.7, 0.35, 0.45],
  ])('%s vs %s', (a, b, cLo, cHi, sLo, sHi) => {
    for (const [ref, cand] of [
      [a, b],
      [b, a],
    ]) {
      const c = exact(ref, cand);
      expect(c.relation).toBe('informational');
      expect(c.containment).toBeGreaterThan(cLo);
      expect(c.containment).toBeLessThan(cHi);
      expect(c.spearman!).toBeGreaterThan(sLo);
      expect(c.spearman!).toBeLessThan(sHi);
      expect(c.sameIdPrefixShare).toBeLessThan(0.02);
    }
  });
});

describe('committed reference signatures', () => {
  test('all nine load, stay small, and come from the npm sources', () => {
    expect([...committed.keys()].sort()).toEqual(REFERENCE_SOURCES.map((s) => s.name).sort());
    for (const s of committed.values()) expect(JSON.stringify(s).length).toBeLessThan(450_000);
  });

  test.each(REFERENCE_SOURCES.map((s) => s.name))('%s matches the in-place vocabulary exactly', (name) => {
    const v = ix(name);
    const sig = committed.get(name)!;
    expect(sig.hashes).toEqual(v.hashes);
    const c = compareWithSignature(v, sig);
    expect(c.relation).toBe('identical');
    expect(c.containmentOfReference).toBe(1);
    expect(c.spearman).toBe(1);
    expect(c.sameIdPrefix).toBe(sig.sizes.idSpan);
    // A rebuild gives the same file: the committed data is not stale.
    const src = REFERENCE_SOURCES.find((s) => s.name === name)!;
    expect(signatureFromVocabulary(v.vocab, { name, version: src.version, licence: src.licence, source: src.source }, v)).toEqual(sig);
  });

  test('sampled signatures reproduce the exact classification and figures closely', () => {
    const pairs: [string, string][] = [
      ['r50k_base', 'p50k_base'],
      ['cl100k_base', 'llama-3'],
      ['cl100k_base', 'qwen3'],
      ['llama-2', 'mistral-7b'],
      ['r50k_base', 'cl100k_base'],
      ['qwen3', 'deepseek-v3'],
    ];
    for (const [ref, cand] of pairs) {
      const e = exact(ref, cand);
      const s = sampled(ref, cand);
      expect(s.relation).toBe(e.relation);
      expect(Math.abs(s.containment - e.containment)).toBeLessThan(0.015);
      expect(Math.abs(s.spearman! - e.spearman!)).toBeLessThan(0.03);
      expect(s.sameIdPrefix).toBe(e.sameIdPrefix);
    }
  });

  test('Qwen3 is identical to its own signature and derived from cl100k; only informational against the others', () => {
    const results = [...committed.values()].map((s) => compareWithSignature(ix('qwen3'), s));
    const by = Object.fromEntries(results.map((r) => [r.reference, r.relation]));
    expect(by).toEqual({
      'llama-2': 'informational',
      'mistral-7b': 'informational',
      'llama-3': 'informational',
      r50k_base: 'informational',
      p50k_base: 'informational',
      cl100k_base: 'derived',
      o200k_base: 'informational',
      qwen3: 'identical',
      'deepseek-v3': 'informational',
    });
  });
});
