import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAudit } from '../../src/audit';
import type { AuditResult } from '../../src/evidence';
import { loadPolicy } from '../../src/policy/load';
import { cli, ROOT } from '../helpers/cli';
import { tempDir, writeTree } from '../helpers/fixtures';

const PACKS = path.join(ROOT, 'samples', 'packs');
const COPIED = fs.readFileSync(path.join(ROOT, 'samples', 'upstream', 'tinyformer', 'tinyformer', 'model.py'));

/** A repository with one of every kind of bad input, plus one real copy that must still be found. */
function hostileRepo(): string {
  const root = tempDir('hostile');
  writeTree(root, {
    'good/model.py': COPIED,
    'bad/invalid_utf8.py': Buffer.concat([Buffer.from('def f(x):\n    return "'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"\n')]),
    'bad/syntax.py': 'def broken(:\n    return [1, 2\n\nclass Ok:\n    pass\n',
    'bad/empty.py': '',
    'bad/binary.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]),
    'bad/notebook.ipynb': '{"cells": "nope"}',
  });
  // 50 MB of Python: over the code-file limit, skipped without being read whole.
  const big = path.join(root, 'bad', 'huge.py');
  const fd = fs.openSync(big, 'w');
  const chunk = Buffer.from('x = 1\n'.repeat(100000));
  for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.symlinkSync('loop_b', path.join(root, 'bad', 'loop_a.py'));
  fs.symlinkSync('loop_a.py', path.join(root, 'bad', 'loop_b'));
  fs.symlinkSync('..', path.join(root, 'bad', 'parent_dir_loop'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'bad', 'outside.py'));
  fs.symlinkSync('missing.py', path.join(root, 'bad', 'dangling.py'));
  execFileSync('mkfifo', [path.join(root, 'bad', 'fifo.py')]);
  return root;
}

function warningFor(r: AuditResult, file: string): string {
  return r.warnings.filter((w) => w.startsWith(`${file}:`)).join(' | ');
}

describe('bad input never stops the audit', () => {
  let root: string;
  let result: AuditResult;
  beforeAll(async () => {
    root = hostileRepo();
    result = (await runAudit({ root, signatureDirs: [PACKS], policy: loadPolicy('strict'), jobs: 1 })).result;
  });

  test('the real copy is still found', () => {
    expect(result.findings.some((f) => f.kind === 'copied-code' && f.file === 'good/model.py' && f.method === 'blob-sha1')).toBe(true);
  });

  test('each problem is a warning naming the file and the problem', () => {
    expect(warningFor(result, 'bad/invalid_utf8.py')).toMatch(/invalid UTF-8/);
    expect(warningFor(result, 'bad/syntax.py')).toMatch(/syntax error near line [12]:/);
    expect(warningFor(result, 'bad/binary.py')).toMatch(/binary content/);
    expect(warningFor(result, 'bad/huge.py')).toMatch(/oversized: 50\.\d MiB/);
    expect(warningFor(result, 'bad/notebook.ipynb')).toMatch(/not an nbformat 4 notebook/);
    expect(warningFor(result, 'bad/loop_a.py')).toMatch(/symbolic link loop/);
    expect(warningFor(result, 'bad/parent_dir_loop')).toMatch(/symbolic link/);
    expect(warningFor(result, 'bad/outside.py')).toMatch(/outside the repository: not followed/);
    expect(warningFor(result, 'bad/dangling.py')).toMatch(/dangling symbolic link/);
    expect(warningFor(result, 'bad/fifo.py')).toMatch(/not a regular file/);
  });

  test('skipped files are listed with their reason; broken but readable files still count', () => {
    const rec = (p: string) => result.files.find((f) => f.path === p);
    expect(rec('bad/huge.py')?.skipped).toMatch(/oversized/);
    expect(rec('bad/binary.py')?.skipped).toMatch(/binary/);
    expect(rec('bad/syntax.py')?.tokens).toBeGreaterThan(5);
    expect(rec('bad/invalid_utf8.py')?.tokens).toBeGreaterThan(5);
    expect(rec('bad/empty.py')?.tokens).toBe(0);
  });

  test('through the CLI with worker threads the audit completes with exit 0 or 1, never 2', () => {
    const r = cli([root, '--signatures', PACKS, '--format', 'json', '--jobs', '2']);
    expect([0, 1]).toContain(r.code);
    const viaCli = JSON.parse(r.stdout) as AuditResult;
    expect(viaCli.ratio).toEqual(result.ratio);
    expect(viaCli.warnings.length).toBe(result.warnings.length);
  });
});

describe('discovery rules', () => {
  test('.gitignore and .auditignore are honoured; --no-gitignore brings git-ignored files back', async () => {
    const root = writeTree(tempDir('ignore'), {
      '.gitignore': 'build/\n',
      'sub/.auditignore': 'vendored.py\n',
      'build/gen.py': COPIED,
      'sub/vendored.py': COPIED,
      'sub/own.py': 'x = 1\n',
    });
    const paths = async (gitignore: boolean) =>
      (await runAudit({ root, signatureDirs: [PACKS], policy: loadPolicy('strict'), jobs: 1, gitignore })).result.files.map((f) => f.path).sort();
    expect(await paths(true)).toEqual(['sub/own.py']);
    expect(await paths(false)).toEqual(['build/gen.py', 'sub/own.py']);
  });
});
