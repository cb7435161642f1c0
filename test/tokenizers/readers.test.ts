import * as fs from 'node:fs';
import * as path from 'node:path';
import { byteLevelToBytes, bytesToByteLevel, sentencePieceToBytes } from '../../src/tokenizers/bytes';
import { readTokenizerFile, readVocabulary } from '../../src/tokenizers/read';
import { SP_BYTE, SP_CONTROL, SP_NORMAL, SP_UNKNOWN, SP_USER_DEFINED } from '../../src/tokenizers/read-sentencepiece';
import { encodeSentencePiece, tmpDir, writeByteLevelJson, writeTiktoken } from './helpers';

const key = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('normalization to bytes', () => {
  test('GPT-2 byte-level, SentencePiece and tiktoken spellings of the same bytes agree', () => {
    expect(byteLevelToBytes('\u0120hello')).toBe(key(' hello'));
    expect(sentencePieceToBytes('\u2581hello', false)).toBe(key(' hello'));
    expect(byteLevelToBytes('\u010a')).toBe('\n');
    expect(sentencePieceToBytes('<0x0A>', true)).toBe('\n');
    // é is C3 A9: byte-level spells it "Ã©", SentencePiece as the character itself.
    expect(byteLevelToBytes('\u00c3\u00a9')).toBe(key('é'));
    expect(sentencePieceToBytes('é', false)).toBe(key('é'));
  });

  test('the byte-level alphabet is a bijection over the 256 bytes', () => {
    const spelled = new Set<string>();
    for (let b = 0; b < 256; b++) {
      const s = bytesToByteLevel(String.fromCharCode(b));
      spelled.add(s);
      expect(byteLevelToBytes(s)).toBe(String.fromCharCode(b));
    }
    expect(spelled.size).toBe(256);
    expect(bytesToByteLevel(' ')).toBe('\u0120');
  });

  test('chars outside the byte-level alphabet are not bytes', () => {
    expect(byteLevelToBytes('<\uff5cbegin\u2581of\u2581sentence\uff5c>')).toBeUndefined();
  });
});

describe('tokenizer.json', () => {
  const dir = tmpDir();
  const keys = [...Array(256).keys()].map((b) => String.fromCharCode(b)).concat([' t', 'he', ' the', key('é')]);
  const merges: [string, string][] = [[' ', 't'], ['h', 'e'], [' t', 'he']];

  test.each([false, true])('byte-level BPE with merges (pairs=%s) and added tokens', (pairs) => {
    const file = path.join(dir, `tokenizer-${pairs}.json`);
    writeByteLevelJson(file, keys, { merges, pairs, added: [{ content: '<|eos|>', id: 260 }] });
    const v = readVocabulary(file);
    expect(v.format).toBe('tokenizer.json');
    expect(v.style).toBe('byte-level');
    expect(v.tokens[258]).toBe(' the');
    expect(v.tokens[259]).toBe(key('é'));
    expect(v.merges).toEqual(merges);
    expect(v.added).toEqual([{ content: '<|eos|>', id: 260, special: true }]);
    expect(v.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('added tokens that are also in model.vocab leave the regular ids', () => {
    const file = path.join(dir, 'overlap.json');
    const doc = {
      added_tokens: [{ id: 0, content: '<s>', special: true }],
      model: { type: 'BPE', vocab: { '<s>': 0, '\u0120a': 1, ab: 2 }, merges: ['a b'] },
      pre_tokenizer: { type: 'ByteLevel' },
    };
    fs.writeFileSync(file, JSON.stringify(doc));
    const v = readVocabulary(file);
    expect(v.tokens[0]).toBeUndefined();
    expect(v.tokens[1]).toBe(' a');
    expect(v.added.map((a) => a.content)).toEqual(['<s>']);
  });

  test('SentencePiece-style tokenizer.json (Metaspace, byte fallback) and Unigram arrays', () => {
    const bpe = path.join(dir, 'sp-bpe.json');
    fs.writeFileSync(bpe, JSON.stringify({ model: { type: 'BPE', byte_fallback: true, vocab: { '<unk>': 0, '<0x0A>': 1, '\u2581the': 2 }, merges: ['\u2581 the'] }, decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }] } }));
    const v = readVocabulary(bpe);
    expect(v.style).toBe('sentencepiece');
    expect(v.tokens[1]).toBe('\n');
    expect(v.tokens[2]).toBe(' the');
    expect(v.merges).toEqual([[' ', 'the']]);

    const uni = path.join(dir, 'unigram.json');
    fs.writeFileSync(uni, JSON.stringify({ model: { type: 'Unigram', vocab: [['<pad>', 0], ['\u2581a', -1.5], ['bc', -2]] } }));
    const u = readVocabulary(uni);
    expect(u.tokens.slice(1)).toEqual([' a', 'bc']);
  });
});

describe('vocab.json + merges.txt', () => {
  test('GPT-2 style pair is read together', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ '\u0120t': 0, h: 1, e: 2, he: 3, '\u0120the': 4 }));
    fs.writeFileSync(path.join(dir, 'merges.txt'), '#version: 0.2\nh e\n\u0120t he\n');
    const v = readVocabulary(path.join(dir, 'vocab.json'));
    expect(v.format).toBe('vocab+merges');
    expect(v.tokens).toEqual([' t', 'h', 'e', 'he', ' the']);
    expect(v.merges).toEqual([
      ['h', 'e'],
      [' t', 'he'],
    ]);
  });
});

describe('tiktoken', () => {
  test('base64 + rank lines are raw bytes by rank; a tokenizer.model holding tiktoken text is sniffed', () => {
    const dir = tmpDir();
    const keys = ['a', 'b', ' ab', '\xff\xfe'];
    writeTiktoken(path.join(dir, 'x.tiktoken'), keys);
    fs.copyFileSync(path.join(dir, 'x.tiktoken'), path.join(dir, 'tokenizer.model'));
    for (const f of ['x.tiktoken', 'tokenizer.model']) {
      const v = readVocabulary(path.join(dir, f));
      expect(v.format).toBe('tiktoken');
      expect(v.tokens).toEqual(keys);
    }
  });
});

describe('SentencePiece .model (hand-encoded protobuf)', () => {
  const pieces = [
    { piece: '<unk>', type: SP_UNKNOWN },
    { piece: '<s>', type: SP_CONTROL },
    { piece: '</s>', type: SP_CONTROL },
    { piece: '<0x0A>', type: SP_BYTE },
    { piece: '<0x41>', type: SP_BYTE },
    { piece: '\u2581the', score: -1.25 },
    { piece: 'ing', score: -2.5, type: SP_NORMAL },
    { piece: '<mask>', type: SP_USER_DEFINED },
    { piece: '\u2581\uc548\ub155', score: -3 },
  ];
  const buf = encodeSentencePiece(pieces, { input: ['/data/corpus_ko.txt', '/data/corpus_en.txt'], prefix: 'spm_ko', modelType: 2, vocabSize: 9, byteFallback: true });

  test('pieces, types and trainer-spec breadcrumbs are decoded', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'tokenizer.model');
    fs.writeFileSync(file, buf);
    const r = readTokenizerFile(file);
    expect(r.kind).toBe('vocabulary');
    if (r.kind !== 'vocabulary') return;
    const v = r.vocab;
    expect(v.format).toBe('sentencepiece');
    expect(v.tokens[3]).toBe('\n');
    expect(v.tokens[4]).toBe('A');
    expect(v.tokens[5]).toBe(' the');
    expect(v.tokens[6]).toBe('ing');
    expect(v.tokens[8]).toBe(key(' 안녕'));
    expect(v.tokens[0]).toBeUndefined();
    expect(v.added).toEqual([
      { content: '<unk>', id: 0, special: true },
      { content: '<s>', id: 1, special: true },
      { content: '</s>', id: 2, special: true },
      { content: '<mask>', id: 7, special: false },
    ]);
    expect(v.breadcrumbs).toMatchObject({ input: ['/data/corpus_ko.txt', '/data/corpus_en.txt'], model_prefix: 'spm_ko', model_type: 'bpe', vocab_size: 9, byte_fallback: true, normalizer: 'identity' });
  });

  test('spiece.model and sentencepiece.bpe.model names are read the same way', () => {
    const dir = tmpDir();
    for (const name of ['spiece.model', 'sentencepiece.bpe.model']) {
      fs.writeFileSync(path.join(dir, name), buf);
      expect(readVocabulary(path.join(dir, name)).tokens[5]).toBe(' the');
    }
  });
});
