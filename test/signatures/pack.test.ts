import { VOCABULARY_VERSION } from '../../src/code/token-kinds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPack, moduleName } from '../../src/signatures/build';
import { buildIndex, loadIndex, lookup } from '../../src/signatures/index';
import { PackError, readPack } from '../../src/signatures/pack-io';
import { syntheticUpstream, tempDir, writeTree } from '../helpers/fixtures';

const params = { k: 40, w: 20 };

async function pack(name: string, files: Record<string, string>, opts: { kind?: 'code' | 'background' } = {}): Promise<string> {
  const src = writeTree(tempDir(`up-${name}`), files);
  const out = tempDir(`packs-${name}`);
  await buildPack(src, out, { name, version: '1.0', category: 'model-implementation', licence: 'MIT', ...opts });
  return out;
}

describe('signature packs', () => {
  test('build writes a manifest with files, symbols, modules and sorted fingerprints that read back', async () => {
    const out = await pack('synth', syntheticUpstream());
    const p = readPack(path.join(out, 'synth@1.0'), params);
    const m = p.manifest;
    expect(m.format).toBe('scratch-audit/pack@1');
    expect(m.builder).toMatchObject({ k: 40, w: 20, vocabulary: VOCABULARY_VERSION });
    expect(m.files.map((f) => f.path)).toEqual(['lib/__init__.py', 'lib/core.py', 'lib/stats.py']);
    const core = m.files[1];
    expect(core.module).toBe('core'); // lib/ is an import root by default
    expect(core.symbols.map((s) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(core.blobSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(p.arrays.fpHi.length).toBe(m.stats.fingerprints);
    for (let i = 1; i < p.arrays.fpHi.length; i++) {
      const a = p.arrays.fpHi[i - 1], b = p.arrays.fpHi[i];
      expect(a < b || (a === b && p.arrays.fpLo[i - 1] <= p.arrays.fpLo[i])).toBe(true);
    }
    expect(p.arrays.kinds?.length).toBe(m.files.reduce((s, f) => s + f.tokenCount, 0));
    // No source text in the pack: no identifier of the upstream appears in pack.bin.
    expect(fs.readFileSync(path.join(out, 'synth@1.0', 'pack.bin')).includes(Buffer.from('Accumulator'))).toBe(false);
  });

  test('module names follow import roots and skip files that cannot be imported', () => {
    expect(moduleName('src/pkg/models/llama/__init__.py', ['src'])).toBe('pkg.models.llama');
    expect(moduleName('pkg/mod.py', ['src'])).toBe('pkg.mod');
    expect(moduleName('scripts/my-tool.py', [])).toBeUndefined();
    expect(moduleName('README.md', [])).toBeUndefined();
  });

  test('a pack built with other parameters or another format is refused with a rebuild hint', async () => {
    const out = await pack('params', syntheticUpstream());
    const dir = path.join(out, 'params@1.0');
    expect(() => readPack(dir, { k: 30, w: 20 })).toThrow(/built with k=40, w=20 .*rebuild it with: audit signatures build/);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'pack.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'pack.json'), JSON.stringify({ ...manifest, format: 'scratch-audit/pack@0' }));
    expect(() => readPack(dir, params)).toThrow(PackError);
    expect(() => readPack(dir, params)).toThrow(/pack format 'scratch-audit\/pack@0'/);
  });

  test('a truncated pack.bin is a clear error, not a crash', async () => {
    const out = await pack('trunc', syntheticUpstream());
    const bin = path.join(out, 'trunc@1.0', 'pack.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 100));
    expect(() => readPack(path.join(out, 'trunc@1.0'), params)).toThrow(/outside pack.bin/);
  });

  test('compressed packs read the same as plain ones', async () => {
    const src = writeTree(tempDir('gz'), syntheticUpstream());
    const plain = tempDir('plain');
    const gz = tempDir('gzout');
    await buildPack(src, plain, { name: 'p', version: '1', category: 'framework' });
    await buildPack(src, gz, { name: 'p', version: '1', category: 'framework', compress: true });
    expect(fs.existsSync(path.join(gz, 'p@1', 'pack.bin.gz'))).toBe(true);
    const a = readPack(path.join(plain, 'p@1'), params);
    const b = readPack(path.join(gz, 'p@1'), params);
    expect(Array.from(b.arrays.fpHi)).toEqual(Array.from(a.arrays.fpHi));
    expect(Array.from(b.arrays.kinds ?? [])).toEqual(Array.from(a.arrays.kinds ?? []));
  });

  test('the index finds every fingerprint of every pack, and flags fingerprints shared by many projects as common', async () => {
    const shared = syntheticUpstream();
    const dirs = [await pack('one', shared), await pack('two', shared), await pack('three', shared), await pack('own', { 'x.py': 'def only_here(a, b, c):\n' + '    a = b + c * (a - b) / (c + 1) ** 2 - a % 7\n'.repeat(12) })];
    const index = loadIndex(dirs, params, { projects: 3, files: 50 });
    expect(index.packs).toHaveLength(4);
    for (const p of index.packs) {
      for (let i = 0; i < p.arrays.fpHi.length; i++) {
        const [s, e] = lookup(index, p.arrays.fpHi[i], p.arrays.fpLo[i]);
        expect(e).toBeGreaterThan(s);
      }
    }
    const ownPack = index.packs.find((p) => p.manifest.project === 'own')!;
    const [s] = lookup(index, ownPack.arrays.fpHi[0], ownPack.arrays.fpLo[0]);
    expect(index.common[s]).toBe(0);
    const onePack = index.packs.find((p) => p.manifest.project === 'one')!;
    const [s1, e1] = lookup(index, onePack.arrays.fpHi[0], onePack.arrays.fpLo[0]);
    expect(e1 - s1).toBe(3);
    expect(index.common[s1]).toBe(1);
    // Two projects are not enough to call a fingerprint common.
    const two = buildIndex(index.packs.filter((p) => ['one', 'two'].includes(p.manifest.project)), { projects: 3, files: 50 });
    expect(two.stats.commonFingerprints).toBe(0);
  });

  test('lookup of an absent hash is empty', async () => {
    const index = loadIndex([await pack('absent', syntheticUpstream())], params);
    const [s, e] = lookup(index, 0x12345678, 0x9abcdef0);
    expect(e).toBe(s);
  });
});
