import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAll, costTable, readSources } from '../../src/signatures/build-all';
import { readPack } from '../../src/signatures/pack-io';
import { tempDir } from '../helpers/fixtures';

const TINY = path.join(__dirname, '..', '..', 'samples', 'upstream', 'tinyformer');

function sourcesFile(dir: string, sources: unknown[]): string {
  const f = path.join(dir, 'sources.json');
  fs.writeFileSync(f, JSON.stringify({ format: 'scratch-audit/sources@1', sources }));
  return f;
}

describe('build-all: packs from a sources file', () => {
  test('builds each pinned source with its metadata, reproducibly, and prints a cost table', async () => {
    const work = tempDir('build-all');
    const checkouts = path.join(work, 'checkouts');
    fs.cpSync(TINY, path.join(checkouts, 'tiny-checkout'), { recursive: true });
    const file = sourcesFile(work, [
      {
        name: 'tiny', version: 'v1', repository: 'https://example.org/tiny', commit: 'abc123', licence: 'MIT', category: 'framework',
        checkout: 'tiny-checkout', family: 'tiny-family', rootCommits: ['r00t'], importNames: ['tinyformer'],
        categoryRules: [{ pattern: 'tinyformer/model.py', category: 'model-implementation' }],
      },
    ]);
    const out1 = path.join(work, 'out1');
    const out2 = path.join(work, 'out2');
    const log: string[] = [];
    const rows = await buildAll(file, checkouts, out1, { log: (s) => log.push(s) });
    await buildAll(file, checkouts, out2, { log: () => undefined });
    expect(rows).toHaveLength(1);
    const p = readPack(path.join(out1, 'tiny@v1'), { k: 40, w: 20 });
    expect(p.manifest).toMatchObject({ project: 'tiny', commit: 'abc123', remote: 'https://example.org/tiny', licence: 'MIT', family: 'tiny-family', rootCommits: ['r00t'], category: 'framework' });
    expect(p.manifest.files.find((f) => f.path === 'tinyformer/model.py')?.category).toBe('model-implementation');
    expect(p.manifest.files.find((f) => f.path === 'tinyformer/train.py')?.category).toBeUndefined();
    // Same tree, same pack bytes.
    expect(fs.readFileSync(path.join(out1, 'tiny@v1', 'pack.bin.gz')).equals(fs.readFileSync(path.join(out2, 'tiny@v1', 'pack.bin.gz')))).toBe(true);
    expect(costTable(rows)).toMatch(/\| tiny \| v1 \|/);
    expect(log.join('\n')).toMatch(/tiny@v1: 6 files/);
  });

  test('a broken sources file or a missing checkout is a clear error', async () => {
    const work = tempDir('build-all-bad');
    expect(() => readSources(sourcesFile(work, [{ name: 'x', version: '1', repository: 'r', category: 'modelling' }]))).toThrow(/source 'x': unknown category 'modelling'/);
    expect(() => readSources(sourcesFile(work, [{ name: 'x', version: '1', repository: 'r', category: 'framework' }, { name: 'x', version: '1', repository: 'r', category: 'framework' }]))).toThrow(/x@1 listed twice/);
    const ok = sourcesFile(work, [{ name: 'gone', version: '1', repository: 'r', category: 'framework' }]);
    await expect(buildAll(ok, path.join(work, 'none'), path.join(work, 'out'), { log: () => undefined })).rejects.toThrow(/gone: no checkout at/);
  });
});
