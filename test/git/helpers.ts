import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPack } from '../../src/signatures/build';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

export const SAMPLES = path.join(ROOT, 'samples');
export const UPSTREAM = path.join(ROOT, 'samples', 'upstream', 'tinyformer');

let clock = 1_700_000_000;

/** Runs git in `cwd` with a fixed identity and increasing, deterministic dates; returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  clock += 60;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...env, GIT_AUTHOR_DATE: `@${clock} +0000`, GIT_COMMITTER_DATE: `@${clock} +0000`, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Copies a folder (files only, no .git). */
export function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.name === '.git' || e.name === '__pycache__') continue;
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyTree(a, b);
    else fs.copyFileSync(a, b);
  }
}

/** git add -A and commit; returns the new commit id. */
export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A new repository holding a copy of `sample` (a folder under samples/) as its first commit. */
export function repoFrom(dir: string, sample: string): string {
  copyTree(path.join(SAMPLES, sample), dir);
  git(dir, 'init', '-q');
  return commitAll(dir, `import ${sample}`);
}

/** The lines of `file` from `from` to `to` (1-based, inclusive). */
export function linesOf(file: string, from: number, to: number): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(from - 1, to).join('\n');
}

let packs: Promise<string> | undefined;

/**
 * A folder holding a tinyformer@1.0 pack built now from samples/upstream/tinyformer with this tree's tokenizer
 * (the committed samples/packs may lag behind a vocabulary change in progress).
 */
export function samplePacks(): Promise<string> {
  packs ??= (async () => {
    const out = tempDir('packs');
    await buildPack(UPSTREAM, out, { name: 'tinyformer', version: '1.0', licence: 'MIT', category: 'model-implementation', importNames: ['tinyformer'] });
    return out;
  })();
  return packs;
}
