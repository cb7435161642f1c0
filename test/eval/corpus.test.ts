// The benchmark's generator and label arithmetic. Upstream: the stand-in samples/upstream/tinyformer; independent
// code: samples/bidder-scratch. No network, no fetched code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tokenizePython } from '../../src/code/python-tokens';
import { isMassKind } from '../../src/code/token-kinds';
import { generateCorpus, massKindsInLines, PyGen, reorderPieces, Rng, TRANSFORMS, type Corpus } from '../../src/eval/corpus';
import { addCounts, emptyCounts, filterOf, precision, predictedLines, recall, scoreRepo, type FileView } from '../../src/eval/eval';
import type { Label } from '../../src/eval/corpus';
import { tempDir } from '../helpers/fixtures';

const SAMPLES = path.join(__dirname, '..', '..', 'samples');
const UPSTREAM = { name: 'tinyformer', dir: path.join(SAMPLES, 'upstream', 'tinyformer') };
const INDEPENDENT = { name: 'hanmodel', dir: path.join(SAMPLES, 'bidder-scratch') };

function makeCorpus(seed: number): Corpus {
  return generateCorpus({ out: path.join(tempDir('corpus'), 'c'), upstreams: [UPSTREAM], independents: [INDEPENDENT], seed, reposPerTransform: 2 });
}

describe('corpus generator', () => {
  const corpus = makeCorpus(7);

  test('every transformation yields repositories with labelled upstream code', () => {
    for (const t of TRANSFORMS) {
      const repos = corpus.repos.filter((r) => r.transform === t);
      expect(repos).toHaveLength(2);
      for (const r of repos) expect(r.labels.length).toBeGreaterThan(0);
    }
  });

  test('labels point at lines whose normalized tokens equal the upstream lines they name', () => {
    let checked = 0;
    for (const repo of corpus.repos) {
      for (const l of repo.labels) {
        const mine = fs.readFileSync(path.join(corpus.root, repo.name, l.file), 'utf8');
        const theirs = fs.readFileSync(path.join(UPSTREAM.dir, l.path), 'utf8');
        const a = massKindsInLines(mine, l.start, l.end);
        const b = massKindsInLines(theirs, l.upstreamStart, l.upstreamEnd);
        expect(a.length).toBeGreaterThan(0);
        expect({ label: l, kinds: a }).toEqual({ label: l, kinds: b });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('generated files are valid Python and unlabelled own code is not upstream code', () => {
    const upstreamText = new Set(
      ['attention.py', 'model.py', 'config.py', 'train.py', 'tokenize.py'].flatMap((f) =>
        fs.readFileSync(path.join(UPSTREAM.dir, 'tinyformer', f), 'utf8').split('\n').map((s) => s.trim()).filter((s) => s.length > 25 && !/^(import|from) /.test(s))),
    );
    for (const repo of corpus.repos) {
      for (const f of repo.files) {
        const text = fs.readFileSync(path.join(corpus.root, repo.name, f.path), 'utf8');
        expect({ file: `${repo.name}/${f.path}`, errors: tokenizePython(text).syntaxErrors }).toEqual({ file: `${repo.name}/${f.path}`, errors: 0 });
        if (f.origin !== 'own') continue;
        // An own file holds no line of the upstream (long lines other than imports: short ones like `return x` are everywhere).
        const lines = text.split('\n').map((s) => s.trim());
        expect(lines.filter((s) => upstreamText.has(s))).toEqual([]);
      }
    }
  });

  test('labels.json is written and the same seed gives the same corpus, another seed another', () => {
    const saved = JSON.parse(fs.readFileSync(path.join(corpus.root, 'labels.json'), 'utf8')) as Corpus;
    expect(saved.repos.map((r) => r.labels)).toEqual(corpus.repos.map((r) => r.labels));
    const again = makeCorpus(7);
    expect(again.repos.map((r) => [r.files, r.labels])).toEqual(corpus.repos.map((r) => [r.files, r.labels]));
    const other = makeCorpus(8);
    expect(other.repos.map((r) => [r.files, r.labels])).not.toEqual(corpus.repos.map((r) => [r.files, r.labels]));
  });

  test('reordering moves definitions and keeps every upstream line exactly once', () => {
    const model = fs.readFileSync(path.join(UPSTREAM.dir, 'tinyformer', 'model.py'), 'utf8');
    const pieces = reorderPieces(model, new Rng(3));
    const covered = pieces.flatMap((p) => Array.from({ length: p.uEnd - p.uStart + 1 }, (_, i) => p.uStart + i)).sort((x, y) => x - y);
    const n = model.replace(/\n+$/, '').split('\n').length;
    expect(covered).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(pieces.map((p) => p.uStart)).not.toEqual([...pieces.map((p) => p.uStart)].sort((x, y) => x - y));
  });

  test('the code generator writes parseable Python for many seeds', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const src = new PyGen(new Rng(seed)).module(6);
      expect({ seed, errors: tokenizePython(src).syntaxErrors }).toEqual({ seed, errors: 0 });
    }
  });
});

describe('metrics', () => {
  const mass = (lines: number[]): Map<number, number> => new Map(lines.map((l) => [l, 3]));
  const label = (file: string, start: number, end: number, p = 'up:a.py'): Label => ({
    file, start, end, project: p.split(':')[0], path: p.split(':')[1], upstreamStart: 1, upstreamEnd: end - start + 1, transform: 'pasted',
  });

  test('line and file counts, long-copy recall, attribution and the token ratio on a hand-made case', () => {
    // a.py: code lines 1-20; label 1-12 (12 code lines); predicted 3-15, lines 3-12 right source, 13-15 false.
    // b.py: code lines 1-10, no label, predicted 5-6 (false positive file).
    // c.py: code lines 1-5 (line 3 blank), label 1-5 (4 code lines), nothing predicted.
    const a: FileView = {
      path: 'a.py', origin: 'borrowed', mass: mass(Array.from({ length: 20 }, (_, i) => i + 1)),
      predicted: new Map(Array.from({ length: 13 }, (_, i) => [i + 3, i + 3 <= 10 ? 'up:a.py' : i + 3 <= 12 ? 'up:other.py' : 'up:a.py'])), excluded: false,
    };
    const b: FileView = { path: 'b.py', origin: 'own', mass: mass(Array.from({ length: 10 }, (_, i) => i + 1)), predicted: new Map([[5, 'x:y'], [6, 'x:y']]), excluded: false };
    const c: FileView = { path: 'c.py', origin: 'borrowed', mass: mass([1, 2, 4, 5]), predicted: new Map(), excluded: false };
    const labels = [label('a.py', 1, 12), label('c.py', 1, 5)];
    // Audit ratio 0.5; label ratio: 34 code lines x 3 tokens, 16 borrowed lines -> own 18/34.
    const s = scoreRepo([a, b, c], labels, 0.5);
    expect(s.lines).toEqual({ tp: 10, fp: 5, fn: 6 });
    expect(s.files).toEqual({ tp: 1, fp: 1, fn: 1 });
    expect(s.long).toEqual({ labelled: 12, found: 10 });
    expect(s.pieces).toEqual({ all: 2, missed: 1, missedShort: 1, lastLineOnly: 0 });
    // A range found but for its last code line.
    const d: FileView = { path: 'd.py', origin: 'borrowed', mass: mass([1, 2, 3]), predicted: new Map([[1, 'up:a.py'], [2, 'up:a.py']]), excluded: false };
    expect(scoreRepo([d], [label('d.py', 1, 4)], null).pieces).toEqual({ all: 1, missed: 0, missedShort: 0, lastLineOnly: 1 });
    expect(s.attributed).toBe(8);
    expect(s.attributedProject).toBe(10);
    expect(s.fpByOrigin).toEqual({ borrowed: 3, own: 2 });
    expect(s.codeLines).toBe(34);
    expect(s.ratioErrors).toHaveLength(1);
    expect(s.ratioErrors[0]).toBeCloseTo(Math.abs(0.5 - 18 / 34) * 100, 10);
    expect(precision(s.lines)).toBeCloseTo(10 / 15, 12);
    expect(recall(s.lines)).toBeCloseTo(10 / 16, 12);
    // Excluded files do not count in the label ratio.
    const ex = scoreRepo([a, { ...b, excluded: true }, c], labels, 0.5);
    expect(ex.ratioErrors[0]).toBeCloseTo(Math.abs(0.5 - 8 / 24) * 100, 10);
    const sum = addCounts(s, addCounts(emptyCounts(), s));
    expect(sum.lines).toEqual({ tp: 20, fp: 10, fn: 12 });
    expect(sum.pieces).toEqual({ all: 4, missed: 2, missedShort: 2, lastLineOnly: 0 });
    expect(sum.ratioErrors).toHaveLength(2);
  });

  test('predicted lines keep only code lines inside copied-code findings, the first finding naming each line', () => {
    const m = new Map([['a.py', mass([1, 2, 4, 5, 9])]]);
    const findings = [
      { kind: 'copied-code', file: 'a.py', lines: { start: 2, end: 5 }, upstream: { project: 'p', path: 'x.py' } },
      { kind: 'copied-code', file: 'a.py', lines: { start: 5, end: 9 }, upstream: { project: 'q', path: 'y.py' } },
      { kind: 'licence', file: 'a.py', lines: { start: 1, end: 1 } },
      { kind: 'copied-code', file: 'missing.py', lines: { start: 1, end: 3 }, upstream: { project: 'p', path: 'x.py' } },
    ];
    const p = predictedLines({ findings } as never, m);
    expect([...p.keys()]).toEqual(['a.py']);
    expect([...p.get('a.py')!.entries()]).toEqual([[2, 'p:x.py'], [4, 'p:x.py'], [5, 'p:x.py'], [9, 'q:y.py']]);
  });

  test('empty cases and filter specs', () => {
    expect(precision({ tp: 0, fp: 0 })).toBe(1);
    expect(recall({ tp: 0, fn: 0 })).toBe(1);
    expect(scoreRepo([], [], null).ratioErrors).toEqual([]);
    expect(filterOf('off')).toEqual({ projects: 1e9, files: 1e9 });
    expect(filterOf('3:50')).toEqual({ projects: 3, files: 50 });
    expect(() => filterOf('3')).toThrow(/--filter/);
  });

  test('massKindsInLines keeps significant tokens of the lines asked for only', () => {
    const src = 'x = 1\n# comment\ndef f(a):\n    """doc"""\n    return a\n';
    const all = tokenizePython(src);
    const massCount = Array.from(all.kinds.subarray(0, all.count)).filter((k) => isMassKind(k)).length;
    expect(massKindsInLines(src, 1, 5)).toHaveLength(massCount);
    expect(massKindsInLines(src, 2, 2)).toEqual([]);
    expect(massKindsInLines(src, 4, 4)).toEqual([]);
    expect(massKindsInLines(src, 1, 1)).toHaveLength(3);
  });
});

describe('benchmark run', () => {
  test('audits a generated corpus against a pack built by our builder and scores it', async () => {
    const { buildPack } = await import('../../src/signatures/build');
    const { runConfig } = await import('../../src/eval/eval');
    const dir = tempDir('evalrun');
    await buildPack(UPSTREAM.dir, path.join(dir, 'packs'), { name: 'tinyformer', version: 't', category: 'model-implementation' });
    const corpus = generateCorpus({ out: path.join(dir, 'corpus'), upstreams: [UPSTREAM], independents: [INDEPENDENT], seed: 11, reposPerTransform: 1, transforms: ['verbatim', 'pasted'] });
    const cfg = await runConfig('default', filterOf('3:50'), [path.join(dir, 'packs')], corpus, [INDEPENDENT], 1);
    const v = cfg.perTransform.get('verbatim')!;
    // Whole upstream files copied byte for byte: every labelled line is found and named after its file.
    expect(v.lines.fn).toBe(0);
    expect(v.lines.tp).toBeGreaterThan(20);
    expect(v.attributed).toBe(v.lines.tp);
    expect(v.ratioErrors).toHaveLength(1);
    expect(v.ratioErrors[0]).toBeLessThan(0.5);
    const p = cfg.perTransform.get('pasted')!;
    expect(p.long.found).toBe(p.long.labelled);
    // The independent code is written by this project: nothing in it is tinyformer's.
    expect(cfg.independent).toHaveLength(1);
    expect(cfg.independent[0].fpLines).toBe(0);
    expect(cfg.independent[0].codeLines).toBeGreaterThan(50);
  });
});
