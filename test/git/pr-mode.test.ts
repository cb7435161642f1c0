import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAudit, type Detector } from '../../src/audit';
import type { Finding } from '../../src/evidence';
import { GitModeError, parseNameStatus, parseUnifiedZero, runPrAudit, unquotePath } from '../../src/git/pr-mode';
import { loadPolicy } from '../../src/policy/load';
import { tempDir } from '../helpers/fixtures';
import { commitAll, copyTree, git, repoFrom, SAMPLES, samplePacks } from './helpers';

const policy = loadPolicy('strict');
let PACKS = '';
beforeAll(async () => {
  PACKS = await samplePacks();
});
const opts = (root: string, since: string) => ({ root, since, signatureDirs: [PACKS], policy, jobs: 1, detectors: [] });

/** base: the pasted sample without the pasted generate() in network.py; head: with it. */
function pasteRepo(): { dir: string; base: string; head: string } {
  const dir = path.join(tempDir('pr'), 'repo');
  repoFrom(dir, 'bidder-pasted');
  fs.copyFileSync(path.join(SAMPLES, 'bidder-scratch', 'hanmodel', 'network.py'), path.join(dir, 'hanmodel', 'network.py'));
  const base = commitAll(dir, 'base: own network');
  fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), path.join(dir, 'hanmodel', 'network.py'));
  const head = commitAll(dir, 'head: paste generate()');
  return { dir, base, head };
}

describe('PR mode (--since)', () => {
  test('finds exactly the newly pasted fragment and reports the ratio before and after', async () => {
    const { dir, base, head } = pasteRepo();
    git(dir, 'checkout', '-q', '-b', 'feature');
    const statusBefore = git(dir, 'status', '--porcelain');
    const run = await runPrAudit(opts(dir, 'main~1'));
    const pr = run.head.result.pr!;
    expect(pr.mergeBase).toBe(base);
    expect(pr.head).toBe(head);
    expect(pr.changedFiles).toEqual([{ path: 'hanmodel/network.py', status: 'modified', addedLines: 16 }]);
    const copies = run.head.result.findings.filter((f) => f.kind === 'copied-code');
    expect(copies).toHaveLength(2); // the old paste in pretrain.py and the new one
    expect(pr.newBorrowed.findings).toHaveLength(1);
    const fresh = copies.find((f) => f.id === pr.newBorrowed.findings[0])!;
    expect([fresh.file, fresh.lines, fresh.upstream?.path]).toEqual(['hanmodel/network.py', { start: 58, end: 72 }, 'tinyformer/model.py']);
    expect(pr.newBorrowed.tokens).toBe(fresh.tokens);
    expect(pr.newBorrowed.files).toEqual(['hanmodel/network.py']);
    // before: only the pretrain.py paste; after: the published figure of the pasted sample
    const sample = await runAudit({ root: path.join(SAMPLES, 'bidder-pasted'), signatureDirs: [PACKS], policy, jobs: 1, detectors: [] });
    expect(pr.ratioAfter).toBeCloseTo(sample.result.ratio.ratio!, 10);
    expect(pr.ratioBefore!).toBeGreaterThan(pr.ratioAfter!);
    expect(run.base!.result.findings.filter((f) => f.kind === 'copied-code').map((f) => f.file)).toEqual(['hanmodel/pretrain.py']);
    expect(pr.ratioBefore).toBe(run.base!.result.ratio.ratio);
    // the user's checkout is untouched: same status, same branch, no extra worktree
    expect(git(dir, 'status', '--porcelain')).toBe(statusBefore);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
    expect(git(dir, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  test('moved code is not new: the same copied block moved to another file', async () => {
    const dir = path.join(tempDir('pr-move'), 'repo');
    const base = repoFrom(dir, 'bidder-pasted');
    const pretrain = path.join(dir, 'hanmodel', 'pretrain.py');
    const text = fs.readFileSync(pretrain, 'utf8');
    const start = text.indexOf('def cosine_lr(');
    const end = text.indexOf('def main(');
    const block = text.slice(start, end);
    fs.writeFileSync(pretrain, text.slice(0, start) + text.slice(end));
    fs.writeFileSync(path.join(dir, 'hanmodel', 'schedules.py'), `"""Learning-rate schedules."""\nimport math\n\n\n${block}`);
    commitAll(dir, 'move cosine_lr to its own module');
    const run = await runPrAudit(opts(dir, base));
    const pr = run.head.result.pr!;
    const moved = run.head.result.findings.find((f) => f.kind === 'copied-code' && f.file === 'hanmodel/schedules.py');
    expect(moved).toBeDefined(); // still borrowed, now in the new file, on added lines ...
    expect(pr.changedFiles.find((f) => f.path === 'hanmodel/schedules.py')).toMatchObject({ status: 'added' });
    // The block moved under `import math`, which upstream has above it too: the fragment grew by a few upstream
    // lines (so its content id changed) but brings no upstream code the base did not already have.
    const before = run.base!.result.findings.find((f) => f.kind === 'copied-code' && f.file === 'hanmodel/pretrain.py')!;
    expect(moved!.upstream!.path).toBe(before.upstream!.path);
    expect(moved!.upstream!.lines!.end).toBe(before.upstream!.lines!.end);
    expect(pr.newBorrowed).toEqual({ findings: [], tokens: 0, lines: 0, files: [] });
    expect(pr.removedFindings).toEqual([]);
    expect(pr.ratioAfter).toBeCloseTo(pr.ratioBefore!, 2);
  });

  test('uncommitted and untracked changes are part of the head (the working tree is what is audited)', async () => {
    const dir = path.join(tempDir('pr-wt'), 'repo');
    fs.mkdirSync(dir, { recursive: true });
    const base = repoFrom(dir, 'bidder-scratch');
    // untracked new file holding the pasted function
    const pasted = fs.readFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), 'utf8').split('\n');
    fs.writeFileSync(path.join(dir, 'hanmodel', 'extra.py'), ['import torch', 'import torch.nn.functional as F', '', '', 'class Sampler:', ...pasted.slice(56, 70), ''].join('\n'));
    const run = await runPrAudit(opts(dir, base));
    const pr = run.head.result.pr!;
    expect(pr.changedFiles).toEqual([{ path: 'hanmodel/extra.py', status: 'untracked', addedLines: 19 }]);
    expect(pr.newBorrowed.files).toEqual(['hanmodel/extra.py']);
    expect(pr.ratioBefore).toBe(1);
    expect(pr.ratioAfter!).toBeLessThan(1);
  });

  test('an audited folder inside a larger checkout: paths relative to that folder, base taken from the same folder', async () => {
    const repo = path.join(tempDir('pr-sub'), 'mono');
    fs.mkdirSync(path.join(repo, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'docs', 'x.md'), 'hello\n');
    copyTree(path.join(SAMPLES, 'bidder-scratch'), path.join(repo, 'model'));
    git(repo, 'init', '-q');
    const base = commitAll(repo, 'base');
    fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), path.join(repo, 'model', 'hanmodel', 'network.py'));
    fs.appendFileSync(path.join(repo, 'docs', 'x.md'), 'more\n'); // outside the audited folder: not listed
    commitAll(repo, 'head');
    const run = await runPrAudit(opts(path.join(repo, 'model'), base));
    const pr = run.head.result.pr!;
    expect(pr.changedFiles).toEqual([{ path: 'hanmodel/network.py', status: 'modified', addedLines: 16 }]);
    expect(pr.ratioBefore).toBe(1);
    expect(run.base!.result.summaries.map((s) => s.path)).toContain('hanmodel/network.py');
    expect(pr.newBorrowed.files).toEqual(['hanmodel/network.py']);
  });

  test('new imported-code, hub-reference and weights findings are listed by content id', async () => {
    // A stand-in detector: one hub-reference finding per distinct from_pretrained(...) call, keyed by its text.
    const hub: Detector = async (ctx) => {
      const findings: Finding[] = [];
      for (const f of ctx.files.filter((x) => x.path.endsWith('.py'))) {
        const text = fs.readFileSync(path.join(ctx.root, f.path), 'utf8');
        for (const m of text.matchAll(/from_pretrained\("([^"]+)"\)/g)) {
          findings.push({ id: `hub:${m[1]}`, kind: 'hub-reference', category: 'unknown', file: f.path, method: 'hub-reference', confidence: 1, strength: 'strong', message: `loads ${m[1]}` });
        }
      }
      return { findings };
    };
    const dir = path.join(tempDir('pr-hub'), 'repo');
    fs.mkdirSync(dir, { recursive: true });
    const base = repoFrom(dir, 'bidder-scratch');
    fs.writeFileSync(path.join(dir, 'hanmodel', 'old.py'), 'm = AutoModel.from_pretrained("org/kept")\n');
    const mid = commitAll(dir, 'a hub reference that stays');
    fs.writeFileSync(path.join(dir, 'hanmodel', 'load.py'), 'm = AutoModel.from_pretrained("org/kept")\nn = AutoModel.from_pretrained("org/new")\n');
    commitAll(dir, 'a new hub reference');
    const run = await runPrAudit({ ...opts(dir, mid), detectors: [hub] });
    expect(run.head.result.pr!.newFindings).toEqual(['hub:org/new']);
    const all = await runPrAudit({ ...opts(dir, base), detectors: [hub] });
    expect(all.head.result.pr!.newFindings.sort()).toEqual(['hub:org/kept', 'hub:org/new']);
  });

  test('a ref that does not exist is a clear error', async () => {
    const { dir } = pasteRepo();
    await expect(runPrAudit(opts(dir, 'no-such-branch'))).rejects.toThrow(/no-such-branch: no such commit, branch or tag/);
    await expect(runPrAudit(opts(tempDir('nogit'), 'main'))).rejects.toThrow(GitModeError);
  });

  describe('shallow clones', () => {
    function shallow(): { src: string; clone: string; base: string } {
      const tmp = tempDir('pr-shallow');
      const { dir: src, base } = pasteRepo();
      git(src, 'checkout', '-q', '-b', 'feature');
      fs.appendFileSync(path.join(src, 'hanmodel', 'layers.py'), '\n\nSCALE = 2\n');
      commitAll(src, 'another commit on the feature branch');
      git(src, 'branch', '-q', '-f', 'main', base);
      const clone = path.join(tmp, 'clone');
      git(tmp, 'clone', '-q', '--depth', '1', '--no-single-branch', '--branch', 'feature', `file://${src}`, clone);
      expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true');
      return { src, clone, base };
    }

    test('without the merge base and no way to deepen: an error that says fetch-depth: 0 is needed', async () => {
      const { clone } = shallow();
      git(clone, 'remote', 'set-url', 'origin', `file://${path.join(tempDir('gone'), 'nothing-here')}`);
      const err = await runPrAudit(opts(clone, 'origin/main')).catch((e: Error) => e);
      expect(err).toBeInstanceOf(GitModeError);
      expect((err as Error).message).toMatch(/merge base of origin\/main and HEAD is not in this shallow clone/);
      expect((err as Error).message).toMatch(/fetch-depth: 0/);
    });

    test('deepens the clone from its remote when it can', async () => {
      const { clone, base } = shallow();
      const run = await runPrAudit(opts(clone, 'origin/main'));
      expect(run.head.result.pr).toMatchObject({ mergeBase: base, deepened: true });
      expect(run.head.result.pr!.newBorrowed.files).toEqual(['hanmodel/network.py']);
    });
  });
});

describe('diff parsing', () => {
  test('-U0 hunks: added ranges per head path, deletions and pure removals ignored', () => {
    const text = [
      'diff --git a/x.py b/x.py',
      '--- a/x.py',
      '+++ b/x.py',
      '@@ -3,0 +4,2 @@ def f():',
      '+a',
      '+b',
      '@@ -10,2 +11,0 @@',
      '@@ -20 +19 @@',
      'diff --git a/gone.py b/gone.py',
      '--- a/gone.py',
      '+++ /dev/null',
      '@@ -1,3 +0,0 @@',
      'diff --git "a/sp ace\\tx.py" "b/sp ace\\tx.py"',
      '+++ "b/sp ace\\tx.py"',
      '@@ -0,0 +1,5 @@',
    ].join('\n');
    const m = parseUnifiedZero(text);
    expect(m.get('x.py')).toEqual([{ start: 4, end: 5 }, { start: 19, end: 19 }]);
    expect(m.has('gone.py')).toBe(false);
    expect(m.get('sp ace\tx.py')).toEqual([{ start: 1, end: 5 }]);
  });

  test('--name-status -z with renames', () => {
    expect(parseNameStatus('M\0a.py\0R087\0old.py\0new.py\0A\0b c.py\0D\0d.py\0')).toEqual([
      { status: 'modified', path: 'a.py' },
      { status: 'renamed', path: 'new.py', from: 'old.py' },
      { status: 'added', path: 'b c.py' },
      { status: 'deleted', path: 'd.py' },
    ]);
    expect(unquotePath('"caf\\303\\251.py"')).toBe('café.py');
  });
});
