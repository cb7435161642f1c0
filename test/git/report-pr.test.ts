import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditResult, Finding } from '../../src/evidence';
import { render } from '../../src/report/index';
import { cli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { makeResult } from '../report/fixture';
import { commitAll, repoFrom, SAMPLES, UPSTREAM } from './helpers';

function withPr(r: AuditResult, extra = 0): AuditResult {
  const copies = r.findings.filter((f) => f.kind === 'copied-code');
  const many: Finding[] = Array.from({ length: extra }, (_, i) => ({ ...copies[0], id: `cp:new${i}`, file: `gen/file_${i}_${'x'.repeat(60)}.py` }));
  r.findings.push(...many);
  r.pr = {
    base: 'origin/main',
    mergeBase: 'b'.repeat(40),
    head: 'c'.repeat(40),
    comparedWith: 'working-tree',
    ratioBefore: 0.951,
    ratioAfter: 0.864,
    verdictBefore: 'PASS',
    changedFiles: [{ path: copies[0].file, status: 'modified', addedLines: 14 }],
    addedLines: 14,
    newBorrowed: { findings: [copies[0].id, ...many.map((f) => f.id)], tokens: 158, lines: 13, files: [copies[0].file] },
    newFindings: [],
    removedFindings: [],
  };
  return r;
}

describe('PR sections of the reports', () => {
  test('text: before → after with the change in points and the new fragment', () => {
    const r = withPr(makeResult());
    const text = render(r, 'text');
    expect(text).toContain('Pull request: since origin/main (merge base bbbbbbbbbbbb; head = the working tree)');
    expect(text).toContain('ratio before → after: 95.1% → 86.4% (-8.7 points) · verdict before PASS');
    expect(text).toMatch(/new borrowed code: 1 fragment\(s\), 158 tokens in model\/attention\.py\n {4}model\/attention\.py lines 10-58 <-> nanoGPT@master model\.py lines 29-77/);
    expect(render(makeResult(), 'text')).not.toContain('Pull request');
  });

  test('markdown: a "This change" section that shrinks with the rest to fit the comment limit', () => {
    const small = render(withPr(makeResult()), 'markdown');
    expect(small).toContain('Code independence **95.1 % → 86.4 %** (-8.7 points) since `origin/main`');
    expect(small.indexOf('### This change')).toBeLessThan(small.indexOf('### Gates'));
    const big = render(withPr(makeResult(), 5000), 'markdown', { maxChars: 20_000 });
    expect(big.length).toBeLessThanOrEqual(20_000);
    expect(big).toContain('### This change');
    expect(big).toMatch(/_\d+ more in the full report._/);
    expect(render(makeResult(), 'markdown')).not.toContain('### This change');
  });
});

describe('audit --since through the CLI', () => {
  test('prints before → after, keeps the exit code of the verdict; a bad ref is exit 2 with a clear message', () => {
    const tmp = tempDir('cli-since');
    const packs = path.join(tmp, 'packs');
    expect(cli(['signatures', 'build', UPSTREAM, '--name', 'tinyformer', '--version', '1.0', '--out', packs]).code).toBe(0);
    const repo = path.join(tmp, 'repo');
    repoFrom(repo, 'bidder-pasted');
    fs.copyFileSync(path.join(SAMPLES, 'bidder-scratch', 'hanmodel', 'network.py'), path.join(repo, 'hanmodel', 'network.py'));
    commitAll(repo, 'base');
    fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), path.join(repo, 'hanmodel', 'network.py'));
    commitAll(repo, 'head');
    const r = cli([repo, '--since', 'HEAD~1', '--signatures', packs, '--no-shipped-signatures', '--no-detectors']);
    expect(r.stdout).toMatch(/ratio before → after: 9\d\.\d% → 8\d\.\d% \(-\d+\.\d points\)/);
    expect(r.stdout).toMatch(/new borrowed code: 1 fragment\(s\), 169 tokens in hanmodel\/network\.py/);
    expect(r.code).toBe(1);
    const j = cli([repo, '--since', 'HEAD~1', '--signatures', packs, '--no-shipped-signatures', '--no-detectors', '--format', 'json']);
    expect((JSON.parse(j.stdout) as AuditResult).pr?.changedFiles).toEqual([{ path: 'hanmodel/network.py', status: 'modified', addedLines: 16 }]);
    const bad = cli([repo, '--since', 'nope', '--signatures', packs, '--no-shipped-signatures']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('scratch-audit: --since nope: no such commit, branch or tag in this repository\n');
  });
});
