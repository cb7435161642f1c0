import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAudit } from '../../src/audit';
import { historyDetector, makeHistoryDetector, parseBlamePorcelain } from '../../src/git/history';
import { loadPolicy } from '../../src/policy/load';
import { buildPack } from '../../src/signatures/build';
import { tempDir } from '../helpers/fixtures';
import { commitAll, copyTree, git, repoFrom, SAMPLES, samplePacks, UPSTREAM } from './helpers';

const policy = loadPolicy('strict');

describe('git history evidence', () => {
  test('fork detection: the history contains the root commit recorded in a pack', async () => {
    const tmp = tempDir('hist-fork');
    // The "upstream" is a git repository of its own; its pack records its root commit.
    const up = path.join(tmp, 'tinyformer');
    copyTree(UPSTREAM, up);
    git(up, 'init', '-q');
    const root = commitAll(up, 'tinyformer: first commit');
    fs.appendFileSync(path.join(up, 'README.md'), '\nmore\n');
    const upHead = commitAll(up, 'tinyformer: docs');
    const packs = path.join(tmp, 'packs');
    const built = await buildPack(up, packs, { name: 'tinyformer-git', version: 'main', category: 'model-implementation', licence: 'MIT' });
    expect(built.manifest.rootCommits).toEqual([root]);
    expect(built.manifest.commit).toBe(upHead);

    // A fork: cloned, then the team's own commits on top.
    const fork = path.join(tmp, 'fork');
    git(tmp, 'clone', '-q', `file://${up}`, fork);
    fs.writeFileSync(path.join(fork, 'ours.py'), 'def ours(x):\n    return x + 1\n');
    commitAll(fork, 'our change');
    const run = await runAudit({ root: fork, signatureDirs: [packs], policy, jobs: 1, detectors: [historyDetector] });
    const hist = run.result.findings.filter((f) => f.kind === 'history' && f.details?.rootCommit);
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({ method: 'git-history', strength: 'strong', upstream: { project: 'tinyformer-git', version: 'main' } });
    expect(hist[0].details).toMatchObject({ rootCommit: root, upstreamCommits: 2, commitsAfterUpstream: 1 });

    // The same files copied into a repository of their own (no shared history): no fork finding.
    const copy = path.join(tmp, 'copy');
    copyTree(UPSTREAM, copy);
    git(copy, 'init', '-q');
    commitAll(copy, 'our model');
    const run2 = await runAudit({ root: copy, signatureDirs: [packs], policy, jobs: 1, detectors: [historyDetector] });
    expect(run2.result.findings.filter((f) => f.details?.rootCommit)).toEqual([]);
    expect(run2.result.findings.filter((f) => f.kind === 'copied-code').length).toBeGreaterThan(0);
  });

  test('introducing commits of copied fragments, and a bulk import called out', async () => {
    const packs = await samplePacks();
    const dir = path.join(tempDir('hist-blame'), 'repo');
    repoFrom(dir, 'bidder-scratch');
    // one commit pastes a single function (small), another drops in three whole upstream files (bulk)
    fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'pretrain.py'), path.join(dir, 'hanmodel', 'pretrain.py'));
    const small = commitAll(dir, 'add a schedule');
    for (const f of ['attention.py', 'config.py', 'model.py']) fs.copyFileSync(path.join(UPSTREAM, 'tinyformer', f), path.join(dir, 'hanmodel', `up_${f}`));
    const bulk = commitAll(dir, 'vendor the model');
    const run = await runAudit({ root: dir, signatureDirs: [packs], policy, jobs: 1, detectors: [historyDetector] });
    const copies = run.result.findings.filter((f) => f.kind === 'copied-code');
    const intro = (file: string) => (copies.find((f) => f.file === file)?.details?.introducedBy as { commit: string; summary: string; date: string } | undefined);
    expect(intro('hanmodel/pretrain.py')).toMatchObject({ commit: small, summary: 'add a schedule', how: 'blame-first-line' });
    expect(intro('hanmodel/up_model.py')).toMatchObject({ commit: bulk, summary: 'vendor the model' });
    expect(intro('hanmodel/up_model.py')!.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    const bulks = run.result.findings.filter((f) => f.kind === 'history' && f.details?.borrowedTokens);
    expect(bulks).toHaveLength(1); // the 77-token paste is not a bulk import
    expect(bulks[0].details).toMatchObject({ commit: bulk, files: expect.arrayContaining(['hanmodel/up_model.py', 'hanmodel/up_attention.py', 'hanmodel/up_config.py']) });
    expect(bulks[0].details!.borrowedTokens as number).toBeGreaterThanOrEqual(1000);
    expect(bulks[0].message).toMatch(/vendor the model/);

    // the blame cap holds: with 1 call only the largest fragment gets its commit
    const capped = await runAudit({ root: dir, signatureDirs: [packs], policy, jobs: 1, detectors: [makeHistoryDetector({ maxBlame: 1 })] });
    expect(capped.result.findings.filter((f) => f.details?.introducedBy)).toHaveLength(1);
    expect(capped.result.warnings.some((w) => /largest of 4 copied fragments/.test(w))).toBe(true);

    // uncommitted lines are said to be uncommitted, not attributed to a commit
    fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), path.join(dir, 'hanmodel', 'network.py'));
    const dirty = await runAudit({ root: dir, signatureDirs: [packs], policy, jobs: 1, detectors: [historyDetector] });
    expect(dirty.result.findings.find((f) => f.kind === 'copied-code' && f.file === 'hanmodel/network.py')?.details?.introducedBy).toEqual({ uncommitted: true });

    // a shallow clone: blame stops at the cut, which must not be credited with the code (no bulk import either)
    const clone = path.join(path.dirname(dir), 'shallow');
    git(path.dirname(dir), 'clone', '-q', '--depth', '1', `file://${dir}`, clone);
    const sh = await runAudit({ root: clone, signatureDirs: [packs], policy, jobs: 1, detectors: [historyDetector] });
    expect(sh.result.findings.filter((f) => f.details?.introducedBy || f.kind === 'history')).toEqual([]);
    expect(sh.result.warnings.some((w) => /shallow clone, so the introducing commit of 4 copied fragment\(s\) is not known/.test(w))).toBe(true);
  });

  test('silent and cheap outside a git checkout', async () => {
    const dir = tempDir('hist-nogit');
    copyTree(path.join(SAMPLES, 'bidder-pasted'), dir);
    const packs = await samplePacks();
    const run = await runAudit({ root: dir, signatureDirs: [packs], policy, jobs: 1, detectors: [] });
    const t0 = performance.now();
    const out = await historyDetector({ root: dir, files: run.result.files, index: run.index, findings: run.result.findings, facts: new Map() });
    expect(performance.now() - t0).toBeLessThan(50);
    expect(out).toEqual({ findings: [] });
    expect(run.result.findings.some((f) => f.details?.introducedBy)).toBe(false);
  });

  test('blame porcelain header', () => {
    const text = ['0123456789abcdef0123456789abcdef01234567 3 3 1', 'author Ada', 'author-mail <a@b>', 'author-time 1700000000', 'author-tz +0000', 'summary add things', 'filename x.py', '\tcode'].join('\n');
    expect(parseBlamePorcelain(text)).toEqual({ commit: '0123456789abcdef0123456789abcdef01234567', author: 'Ada', date: '2023-11-14T22:13:20.000Z', summary: 'add things', how: 'blame-first-line' });
  });
});
