import { analyzeCode } from '../../src/code/analyze';
import { defaultMatchOptions, matchCode } from '../../src/detectors/copied-code';
import { renameIdentifiers, reformat, stripComments } from '../../src/eval/transform';
import { buildPack } from '../../src/signatures/build';
import { loadIndex, type SignatureIndex } from '../../src/signatures/index';
import { syntheticUpstream, tempDir, writeTree } from '../helpers/fixtures';

const params = { k: 40, w: 20 };
const opts = defaultMatchOptions(40, 20);
const up = syntheticUpstream();

async function indexOf(packs: { name: string; files: Record<string, string>; kind?: 'code' | 'background'; family?: string }[]): Promise<SignatureIndex> {
  const out = tempDir('match-packs');
  for (const p of packs) {
    await buildPack(writeTree(tempDir(`src-${p.name}`), p.files), out, { name: p.name, version: '2.0', category: 'model-implementation', licence: 'Apache-2.0', kind: p.kind, family: p.family });
  }
  return loadIndex([out], params);
}

const OWN = `
def load_rows(path):
    with open(path) as handle:
        header = handle.readline().strip().split(";")
        rows = [dict(zip(header, line.rstrip().split(";"))) for line in handle]
    return header, rows


def summarize(rows, column):
    seen = {}
    for row in rows:
        key = row.get(column, "?")
        seen[key] = seen.get(key, 0) + 1
    ordered = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return ordered[:10]
`;

const match = (src: string, index: SignatureIndex) => matchCode('repo/file.py', analyzeCode(Buffer.from(src), 'python', params), index, opts);

describe('copied-code matching', () => {
  let index: SignatureIndex;
  beforeAll(async () => {
    index = await indexOf([{ name: 'synth', files: up }]);
  });

  test('an identical file is a whole-file blob match', () => {
    const m = match(up['lib/core.py'], index);
    expect(m.findings).toHaveLength(1);
    expect(m.findings[0]).toMatchObject({ method: 'blob-sha1', strength: 'conclusive', upstream: { project: 'synth', path: 'lib/core.py', licence: 'Apache-2.0' } });
    expect(m.copiedTokens).toBe(analyzeCode(Buffer.from(up['lib/core.py']), 'python', params).mass);
  });

  test('renamed, reformatted and comment-stripped copies of a whole file match by normalized hash', () => {
    for (const variant of [renameIdentifiers(up['lib/stats.py']), reformat(up['lib/stats.py']), stripComments(up['lib/core.py'])]) {
      const m = match(variant, index);
      expect(m.findings[0]?.method).toBe('normalized-hash');
    }
    const renamed = match(renameIdentifiers(up['lib/stats.py']), index).findings[0];
    expect(renamed.details?.verbatim).toBeLessThan(0.8);
  });

  test('a pasted, renamed function inside own code is found with both line ranges, and own code is not', () => {
    const beta = up['lib/core.py'].split('\n').slice(16, 30).join('\n'); // the beta function
    const src = OWN + '\n\n' + renameIdentifiers(beta, (n) => `${n}_x`) + '\n' + OWN.replace(/load_rows/g, 'load_more').replace(/summarize/g, 'count_by');
    const m = match(src, index);
    expect(m.findings).toHaveLength(1);
    const f = m.findings[0];
    const betaStart = src.split('\n').findIndex((l) => l.startsWith('def beta_x')) + 1;
    expect(f.method).toBe('winnowing');
    expect(f.lines).toEqual({ start: betaStart, end: betaStart + 12 });
    expect(f.upstream?.path).toBe('lib/core.py');
    expect(f.upstream?.lines?.start).toBe(17);
    expect(f.upstream?.lines?.end).toBe(29);
    expect(f.details?.verbatim).toBeLessThan(0.9);
    expect(f.details?.extended).toBe(true);
  });

  test('a verbatim paste reports names unchanged', () => {
    const gamma = up['lib/core.py'].split('\n').slice(31, 45).join('\n');
    const m = match(OWN + '\n' + gamma + '\n', index);
    expect(m.findings).toHaveLength(1);
    expect(m.findings[0].details?.verbatim).toBe(1);
  });

  test('unrelated code matches nothing', () => {
    const m = match(OWN, index);
    expect(m.findings).toEqual([]);
    expect(m.copiedTokens).toBe(0);
  });

  test('a copy shorter than the minimum fragment is not reported', () => {
    const lines = up['lib/stats.py'].split('\n').slice(13, 17).join('\n'); // 4 lines: mean()
    const m = match(OWN + '\nclass K:\n' + lines + '\n', index);
    expect(m.findings).toEqual([]);
  });

  test('the longest fragment wins; another upstream with the same code is listed as an alternative', async () => {
    const two = await indexOf([
      { name: 'first', files: { 'a.py': up['lib/stats.py'] } },
      { name: 'second', files: { 'b.py': up['lib/stats.py'].split('\n').slice(0, 14).join('\n') + '\n' } },
    ]);
    const m = match(OWN + '\n' + up['lib/stats.py'].replace('class Accumulator', 'class Acc2'), two);
    expect(m.findings).toHaveLength(1);
    expect(m.findings[0].upstream?.project).toBe('first');
    expect(String(m.findings[0].details?.alternatives)).toMatch(/second@2.0 b.py/);
  });

  test('background corpora feed the common filter but are never reported as sources', async () => {
    const idx = await indexOf([{ name: 'bg', files: up, kind: 'background' }]);
    expect(match(up['lib/core.py'], idx).findings).toEqual([]);
  });

  test('fingerprints common across four or more project families do not count as copying; one family counts once', async () => {
    const four: { name: string; files: Record<string, string> }[] = [
      { name: 'p1', files: { 'x.py': up['lib/stats.py'] } },
      { name: 'p2', files: { 'y.py': up['lib/stats.py'] + '\nZ = 1\n' } },
      { name: 'p3', files: { 'z.py': up['lib/stats.py'] + '\nW = 2\n' } },
      { name: 'p4', files: { 'w.py': up['lib/stats.py'] + '\nV = 3\n' } },
    ];
    // Same shape, other names: an idiom shared by four families is no evidence.
    const src = OWN + '\n' + renameIdentifiers(up['lib/stats.py']);
    const idx = await indexOf(four);
    const m = match(src, idx);
    expect(m.findings).toEqual([]);
    expect(m.commonHits).toBeGreaterThan(0);
    // The same four packs as one lineage (say llama, llama3, llama-models, ...): the copy is found.
    const family = match(src, await indexOf(four.map((p) => ({ ...p, family: 'one-lineage' }))));
    expect(family.findings).toHaveLength(1);
    expect(family.commonHits).toBe(0);
    // Widely copied code taken word for word is still a copy, shown as moderate evidence made of common fingerprints.
    const verbatim = match(OWN + '\n' + up['lib/stats.py'], idx);
    expect(verbatim.findings).toHaveLength(1);
    expect(verbatim.findings[0].strength).toBe('moderate');
    expect(verbatim.findings[0].details?.commonFingerprints).toBe(verbatim.findings[0].details?.fingerprints);
  });

  test('a repetitive run (keyword forwarding) matches only with its names: any code of that shape has the same tokens', async () => {
    const kw = (names: string[], fn: string): string => `def build(${names.join(', ')}):\n    return ${fn}(${names.map((n) => `${n}=${n}`).join(', ')})\n`;
    const upNames = Array.from({ length: 24 }, (_, i) => `alpha${i}`);
    const idx = await indexOf([{ name: 'kw', files: { 'kw.py': kw(upNames, 'Model') } }]);
    const other = kw(Array.from({ length: 24 }, (_, i) => `colour${i}`), 'Painter');
    expect(match(OWN + '\n' + other, idx).findings).toEqual([]);
    expect(match(other, idx).findings).toEqual([]); // not even as a whole file
    expect(match(OWN + '\n' + kw(upNames, 'Model'), idx).findings).toHaveLength(1); // the real copy still is
  });

  test('a copy that closes one block more than its upstream keeps its last line', () => {
    // In the upstream, mean() is followed by another method; here it ends the class and the file.
    const lines = up['lib/stats.py'].split('\n');
    const end = lines.findIndex((l) => l.includes('def spread'));
    const src = OWN + '\n' + lines.slice(0, end).join('\n').trimEnd() + '\n';
    const m = match(src, index);
    expect(m.findings).toHaveLength(1);
    const last = src.trimEnd().split('\n').length;
    expect(m.findings[0].lines?.end).toBe(last);
  });

  test('short pieces are taken from an upstream file the repository file already copies at length', async () => {
    // A narrow window (w = 4: every shared run of 43 tokens has a common fingerprint) makes the short piece's hit
    // certain, so the test isolates the acceptance rule rather than winnowing's luck.
    const p = { k: 40, w: 4 };
    const o = defaultMatchOptions(p.k, p.w);
    const long = up['lib/core.py'].split('\n').slice(1, 30).join('\n'); // alpha and beta: ~170 tokens
    const short = 'def clamp_gain(value, low, high):\n    value = abs(value) * 0.9\n    high = high + low\n    if value < low:\n        return low * 0.5 + high * 0.25\n    return min(value, high) / (high - low)\n';
    const out = tempDir('anchor-pack');
    await buildPack(writeTree(tempDir('anchor-src'), { 'u.py': long + '\n\n\n' + short }), out, { name: 'anch', version: '1', category: 'model-implementation', params: p });
    const idx = loadIndex([out], p);
    const run = (src: string) => matchCode('r.py', analyzeCode(Buffer.from(src), 'python', p), idx, o).findings;
    expect(analyzeCode(Buffer.from(short), 'python', p).mass).toBeLessThan(o.minTokens);
    expect(run(OWN + '\n\n' + short)).toEqual([]); // alone: too short to be evidence
    const pieces = run(long + '\n\n' + OWN + '\n\n' + short);
    expect(pieces).toHaveLength(2);
    const piece = pieces.find((f) => (f.tokens ?? 0) < o.minTokens)!;
    expect(piece.upstream?.lines).toEqual({ start: 32, end: 37 }); // all of clamp_gain
  });


});


describe('vendored trees', () => {
  test('small files of a folder vendored whole are attributed through the folder mapping, and only then', async () => {
    const { runAudit } = await import('../../src/audit');
    const { loadPolicy } = await import('../../src/policy/load');
    const upFiles = { ...up, 'lib/small.py': 'LIMIT = 3\nNAME = "x"\n' };
    const packs = tempDir('vendored-packs');
    await buildPack(writeTree(tempDir('vendored-up'), upFiles), packs, { name: 'vend', version: '1', category: 'framework', licence: 'MIT' });
    const vendored = writeTree(tempDir('vendored-repo'), {
      'third_party/lib/core.py': up['lib/core.py'],
      'third_party/lib/stats.py': up['lib/stats.py'],
      'third_party/lib/small.py': upFiles['lib/small.py'],
      'own/small.py': upFiles['lib/small.py'], // the same bytes outside the vendored folder: no evidence alone
      'own/main.py': OWN,
    });
    const r = (await runAudit({ root: vendored, signatureDirs: [packs], policy: loadPolicy('strict'), jobs: 1 })).result;
    const small = r.findings.filter((f) => f.kind === 'copied-code' && f.file.endsWith('small.py'));
    expect(small.map((f) => f.file)).toEqual(['third_party/lib/small.py']);
    expect(small[0]).toMatchObject({ method: 'blob-sha1', upstream: { path: 'lib/small.py' }, details: { vendoredTree: 'third_party/lib <- vend@1 lib' } });
    expect(r.summaries.find((s) => s.path === 'third_party/lib/small.py')?.copiedTokens).toBe(small[0].tokens);
  });
});

describe('fine pass inside an anchored pair', () => {
  test('a short helper moved away from its copied neighbours is found; the same shape with other names is not', async () => {
    const long = up['lib/core.py'].split('\n').slice(1, 30).join('\n'); // alpha and beta: ~170 tokens
    const helper = 'def clamp_gain(value, low, high):\n    if value < low:\n        return low * 0.5 + high * 0.25\n    return min(value, high) / (high - low)\n';
    const idx = await indexOf([{ name: 'fine', files: { 'u.py': long + '\n\n\n' + helper } }]);
    const m = match(long + '\n\n' + OWN + '\n\n' + helper, idx);
    const fine = m.findings.filter((f) => f.details?.finePass === true);
    expect(fine).toHaveLength(1);
    expect(fine[0].upstream?.lines).toEqual({ start: 32, end: 35 });
    expect(fine[0].strength).toBe('moderate');
    const renamed = match(long + '\n\n' + OWN + '\n\n' + renameIdentifiers(helper, (n) => `${n}_q`), idx);
    expect(renamed.findings.filter((f) => f.details?.finePass === true)).toEqual([]);
    // Without the long copy there is no anchor: nothing.
    expect(match(OWN + '\n\n' + helper, idx).findings).toEqual([]);
  });
});
