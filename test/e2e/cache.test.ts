import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAudit } from '../../src/audit';
import { analyzeCode } from '../../src/code/analyze';
import { deserialize, serialize } from '../../src/pool/cache';
import { loadPolicy } from '../../src/policy/load';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const PACKS = path.join(ROOT, 'samples', 'packs');

describe('per-file analysis cache', () => {
  test('an analysis survives the round trip through the cache format', () => {
    const src = fs.readFileSync(path.join(ROOT, 'samples', 'upstream', 'tinyformer', 'tinyformer', 'model.py'));
    const a = analyzeCode(src, 'python', { k: 40, w: 20 }, { policy: { path: 'm.py', repoDirs: ['x'] } });
    const b = deserialize(serialize(a))!;
    expect(Array.from(b.kinds)).toEqual(Array.from(a.kinds));
    expect(Array.from(b.fpHi)).toEqual(Array.from(a.fpHi));
    expect(Array.from(b.lines)).toEqual(Array.from(a.lines));
    expect(b.symbols).toEqual(a.symbols);
    expect(b.policy?.imports.length).toBe(a.policy?.imports.length);
    expect(deserialize(serialize(a).subarray(0, 100))).toBeUndefined(); // truncated entry: a miss, not a crash
    expect(deserialize(Buffer.from('not a cache entry'))).toBeUndefined();
  });

  test('a second run reads every file from the cache and gives the same result; a changed file is analyzed again', async () => {
    const cacheDir = tempDir('cache');
    const repo = tempDir('cache-repo');
    fs.cpSync(path.join(ROOT, 'samples', 'bidder-pasted'), repo, { recursive: true });
    const audit = () => runAudit({ root: repo, signatureDirs: [PACKS], policy: loadPolicy('strict'), jobs: 1, cacheDir, policyFacts: true });
    const first = (await audit()).result;
    const code = first.files.filter((f) => f.tokens !== undefined).length;
    expect(first.parameters.cacheHits).toBe(0);
    const second = (await audit()).result;
    expect(second.parameters.cacheHits).toBe(code);
    expect(second.findings).toEqual(first.findings);
    expect(second.ratio).toEqual(first.ratio);
    fs.appendFileSync(path.join(repo, 'hanmodel', 'pretrain.py'), '\nEXTRA = 1\n');
    const third = (await audit()).result;
    expect(third.parameters.cacheHits).toBe(code - 1);
  });
});
