// Small helpers around simple-git shared by PR mode and the history detector. Nothing here changes the user's
// checkout: only read commands, plus `git fetch` to deepen a shallow clone when PR mode asks for it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

/** A git problem the user can fix (bad ref, shallow clone, not a checkout): printed without a stack, exit code 2. */
export class GitModeError extends Error {}

/** Environment of the `git archive` child: English messages. */
const GIT_ENV = { LC_ALL: 'C' };

/**
 * simple-git at `dir`. simple-git drops ambient GIT_* variables (a hook's GIT_DIR would redirect us) and refuses
 * unsafe options; the process environment is otherwise inherited.
 */
export function gitAt(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false });
}

/**
 * True when `dir` is inside a git work tree, decided without spawning git: a `.git` folder or file in `dir` or
 * one of its parents. Cheap enough to call on every audit.
 */
export function looksLikeCheckout(dir: string): boolean {
  let d = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    const up = path.dirname(d);
    if (up === d) return false;
    d = up;
  }
}

/** Runs git and returns stdout, or undefined when git exits non-zero. */
export async function tryGit(git: SimpleGit, args: string[]): Promise<string | undefined> {
  try {
    return await git.raw(args);
  } catch {
    return undefined;
  }
}

/** The message of a simple-git error without its noise. */
export function gitMessage(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .trim()
    .split('\n')
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
}

/**
 * Writes the tree of `treeish` into `dest` with `git archive | tar -x` (never touches the work tree, the index or
 * the worktree list of the repository).
 */
export function extractTree(repoDir: string, treeish: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...GIT_ENV };
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    const archive = spawn('git', ['archive', '--format=tar', treeish], { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    archive.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (failed) return;
      if (code !== 0) {
        failed = true;
        reject(new GitModeError(`${what} of ${treeish} failed (exit ${code}): ${err.trim().slice(0, 500)}`));
        return;
      }
      if (--pending === 0) resolve();
    };
    archive.on('error', (e) => {
      failed = true;
      reject(e);
    });
    tar.on('error', (e) => {
      failed = true;
      reject(e);
    });
    archive.on('close', done('git archive'));
    tar.on('close', done('tar -x'));
  });
}
