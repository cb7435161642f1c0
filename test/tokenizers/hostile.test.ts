import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectTokenizers } from '../../src/tokenizers';
import { decodeSentencePieceModel } from '../../src/tokenizers/read-sentencepiece';
import { encodeBytesField, encodeVarint, readFields, WireError } from '../../src/tokenizers/protobuf';
import { MAX_TOKENIZER_BYTES, readTokenizerFile, TokenizerReadError } from '../../src/tokenizers/read';
import { encodeSentencePiece, tmpDir, writeByteLevelJson } from './helpers';

const dir = tmpDir('tok-hostile-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Reading must fail with a TokenizerReadError that names the file and matches the problem. */
function expectReadError(file: string, problem: RegExp): void {
  let err: unknown;
  try {
    readTokenizerFile(file);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TokenizerReadError);
  expect((err as Error).message.startsWith(file)).toBe(true);
  expect((err as TokenizerReadError).problem).toMatch(problem);
}

const sp = encodeSentencePiece(
  [{ piece: '<unk>', type: 2 }, { piece: '\u2581a' }, { piece: 'bc' }],
  { input: ['corpus.txt'], vocabSize: 3 },
);

describe('hostile and truncated tokenizer files', () => {
  test('truncated tokenizer.json', () => {
    const good = path.join(dir, 'good.json');
    writeByteLevelJson(good, ['a', 'b', 'ab']);
    const text = fs.readFileSync(good, 'utf8');
    expectReadError(write('trunc/tokenizer.json', text.slice(0, text.length - 7)), /invalid JSON/);
  });

  test('JSON that is not a tokenizer, and wrong field types', () => {
    expectReadError(write('a/tokenizer.json', '{"model": 5}'), /no "model" object/);
    expectReadError(write('b/tokenizer.json', '{"model": {"vocab": {"a": -1}}}'), /invalid id/);
    expectReadError(write('c/tokenizer.json', '{"model": {"vocab": {"a": 1.5}}}'), /invalid id/);
    expectReadError(write('d/tokenizer.json', '{"model": {"vocab": {"a": 1, "b": 1}}}'), /used twice/);
    expectReadError(write('e/tokenizer.json', '{"model": {"vocab": {"a": 0}, "merges": [42]}}'), /merges\[0\]/);
    expectReadError(write('f/tokenizer.json', '{"model": {"vocab": [[7, 0]]}}'), /not a string/);
    expectReadError(write('g/tokenizer.json', '{"model": {"vocab": {"a": 0}}, "added_tokens": [{"id": "x", "content": "y"}]}'), /invalid id/);
    expectReadError(write('h/tokenizer.json', '{"model": {"vocab": {"a": 0}}, "added_tokens": {"x": 1}}'), /added_tokens/);
  });

  test('__proto__ keys are plain tokens, not prototype changes', () => {
    const v = readTokenizerFile(write('proto/tokenizer.json', '{"model": {"vocab": {"__proto__": 0, "ab": 1}}}'));
    expect(v.kind).toBe('vocabulary');
    if (v.kind === 'vocabulary') expect(v.vocab.tokens[0]).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('deeply nested JSON does not crash the process', () => {
    const deep = '{"model": {"vocab": {"a": 0}}, "pre_tokenizer": ' + '['.repeat(200000) + ']'.repeat(200000) + '}';
    const file = write('deep/tokenizer.json', deep);
    // Either parsed (then no vocabulary problem) or refused with a named error; never an uncaught crash.
    try {
      const r = readTokenizerFile(file);
      expect(r.kind).toBe('vocabulary');
    } catch (e) {
      expect(e).toBeInstanceOf(TokenizerReadError);
    }
  });

  test('huge ids are refused instead of allocating', () => {
    expectReadError(write('big-id/tokenizer.json', '{"model": {"vocab": {"a": 999999999999}}}'), /invalid id/);
    expectReadError(write('big-rank.tiktoken', 'YQ== 999999999\n'), /too large/);
  });

  test('truncated SentencePiece model at every cut point fails cleanly or yields a prefix', () => {
    for (let cut = 1; cut < sp.length; cut++) {
      const file = write(`cut/${cut}/tokenizer.model`, sp.subarray(0, cut));
      try {
        const r = readTokenizerFile(file);
        expect(r.kind).toBe('vocabulary');
      } catch (e) {
        expect(e).toBeInstanceOf(TokenizerReadError);
        expect((e as Error).message).toContain(file);
      }
    }
  });

  test('protobuf: absurd lengths, bad wire types, runaway varints', () => {
    const hugeLen = Buffer.from([0x0a, ...encodeVarint(2 ** 40), 1, 2, 3]);
    expect(() => [...readFields(hugeLen)]).toThrow(WireError);
    expect(() => [...readFields(Buffer.from([0x0b, 0x00]))]).toThrow(/wire type 3/);
    expect(() => [...readFields(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))]).toThrow(/varint/);
    // A piece whose string field is declared as a float.
    const wrong = encodeBytesField(1, Buffer.from([0x0d, 0, 0, 0, 0]));
    expect(() => decodeSentencePieceModel(wrong)).toThrow(WireError);
    expectReadError(write('hugelen/tokenizer.model', hugeLen), /runs past the end/);
  });

  test('garbage, empty and oversized files', () => {
    expectReadError(write('garbage/tokenizer.model', Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])), /unrecognized/);
    expectReadError(write('empty/tokenizer.json', ''), /empty file/);
    const big = write('big/tokenizer.json', '');
    fs.truncateSync(big, MAX_TOKENIZER_BYTES + 1); // sparse: no real disk use
    expectReadError(big, /exceeds/);
    expectReadError(write('tt/x.tiktoken', 'YQ== 0\nnot base64 line\n'), /line 2/);
    expectReadError(write('sp-empty/tokenizer.model', encodeBytesField(2, Buffer.from([]))), /unrecognized|no pieces/);
  });

  test('a Git LFS pointer is recognized, not parsed as a tokenizer', () => {
    const oid = 'a'.repeat(64);
    const r = readTokenizerFile(write('lfs/tokenizer.json', `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 11422654\n`));
    expect(r).toMatchObject({ kind: 'lfs-pointer', sha256: oid, size: 11422654 });
  });

  test('detectTokenizers turns read errors into warnings naming the repository path', async () => {
    const root = tmpDir('tok-repo-');
    fs.writeFileSync(path.join(root, 'tokenizer.json'), '{"model": {"vocab": ');
    fs.writeFileSync(path.join(root, 'tokenizer.model'), sp.subarray(0, sp.length - 3));
    const files = [
      { path: 'tokenizer.json', kind: 'tokenizer' as const, bytes: 20 },
      { path: 'tokenizer.model', kind: 'tokenizer' as const, bytes: sp.length - 3 },
    ];
    const { findings, gate, warnings } = await detectTokenizers(root, files, []);
    expect(findings).toEqual([]);
    expect(warnings.some((w) => w.startsWith('tokenizer.json: tokenizer not read: invalid JSON'))).toBe(true);
    expect(gate.status).toBe('NOT-CHECKED');
    fs.rmSync(root, { recursive: true, force: true });
  });
});
