import * as fs from 'node:fs';
import * as path from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import type { FileRecord } from '../evidence';
import { classify } from './classify';

export interface DiscoverOptions {
  /** Honour .gitignore files (default true). `.auditignore` files are always honoured. */
  gitignore?: boolean;
  /** Extra glob patterns to leave out (repository-relative, gitignore syntax). */
  exclude?: string[];
  /** Only these globs (fast-glob syntax), e.g. ['**\/*.py'] for the pack builder. Default: everything. */
  include?: string[];
}

/** Never worth walking: version control, caches and environments. */
export const ALWAYS_SKIPPED_DIRS = ['.git', 'node_modules', '__pycache__', '.ipynb_checkpoints', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache'];

export interface Discovery {
  root: string;
  files: FileRecord[];
  /** Entries that are not regular files we read: symbolic links and the like, each with its reason. */
  skipped: FileRecord[];
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Ignore rules from the .gitignore/.auditignore files found in the listing, each applying to its own folder. */
function loadIgnoreRules(root: string, found: string[], useGitignore: boolean): Map<string, Ignore> {
  const wanted = useGitignore ? ['.gitignore', '.auditignore'] : ['.auditignore'];
  const rules = new Map<string, Ignore>();
  for (const rel of found.filter((r) => wanted.includes(path.posix.basename(r))).sort()) {
    const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
    let text = '';
    try {
      text = fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      continue;
    }
    const ig = rules.get(dir) ?? ignore();
    ig.add(text);
    rules.set(dir, ig);
  }
  return rules;
}

/**
 * fast-glob patterns that prune folders an --exclude pattern ignores as a whole (`dir/`, `dir/**`, `**\/dir/**`), so
 * the walk never enters them. The exact gitignore check still runs on every file; this only saves the walk.
 */
export function prunePatterns(excludes: string[]): string[] {
  const out: string[] = [];
  for (const raw of excludes) {
    const p = raw.trim();
    if (!p || p.startsWith('!') || p.startsWith('#') || /[[\]{}?\\]/.test(p)) continue;
    let dir: string;
    if (p.endsWith('/**')) dir = p.slice(0, -3);
    else if (p.endsWith('/')) dir = p.slice(0, -1);
    else continue;
    // gitignore: a leading **/ matches at any depth; any other slash anchors the pattern to the root.
    const anyDepth = dir.startsWith('**/') || (!dir.includes('/') && p.endsWith('/') && !p.endsWith('/**'));
    dir = dir.replace(/^\*\*\//, '').replace(/^\//, '');
    if (!dir || dir.includes('*')) continue;
    if (anyDepth && dir.includes('/')) continue; // **/a/b/**: leave it to the exact check
    out.push(anyDepth ? `**/${dir}/**` : `${dir}/**`);
  }
  return out;
}

function ignoredBy(rules: Map<string, Ignore>, rel: string): boolean {
  for (const [dir, ig] of rules) {
    if (dir === '' || rel.startsWith(dir + '/')) {
      const sub = dir === '' ? rel : rel.slice(dir.length + 1);
      if (ig.ignores(sub)) return true;
    }
  }
  return false;
}

/** Why a symbolic link is not followed: loops and targets outside the root are named as such. */
function symlinkReason(root: string, abs: string): string {
  try {
    const real = fs.realpathSync(abs);
    const realRoot = fs.realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return 'symbolic link to outside the repository: not followed';
    return 'symbolic link: not followed (its target inside the repository is audited at its own path)';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'symbolic link loop: not followed';
    if (code === 'ENOENT') return 'dangling symbolic link: target does not exist';
    return `symbolic link: cannot resolve (${code ?? (e as Error).message})`;
  }
}

/**
 * Lists the files of a repository, classified by kind. Never follows symbolic links (so no loops and nothing outside
 * the root); honours .gitignore and .auditignore; files are sorted by path so results are reproducible.
 */
export function discover(rootArg: string, opts: DiscoverOptions = {}): Discovery {
  const root = path.resolve(rootArg);
  const st = fs.statSync(root); // throws ENOENT/ENOTDIR: the caller reports a usage error
  if (!st.isDirectory()) throw new Error(`${rootArg}: not a directory`);
  const entries = fg.sync(opts.include ?? ['**/*'], {
    cwd: root,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    stats: true,
    ignore: [...ALWAYS_SKIPPED_DIRS.map((d) => `**/${d}/**`), ...prunePatterns(opts.exclude ?? [])],
    suppressErrors: true,
  });
  // One walk: the ignore files come from the same listing (an include filter may have hidden them: look them up).
  const ignoreFiles = opts.include
    ? fg.sync(['**/.gitignore', '**/.auditignore'], { cwd: root, dot: true, followSymbolicLinks: false, ignore: ALWAYS_SKIPPED_DIRS.map((d) => `**/${d}/**`), suppressErrors: true })
    : entries.map((e) => toPosix(e.path));
  const rules = loadIgnoreRules(root, ignoreFiles, opts.gitignore !== false);
  if (opts.exclude?.length) rules.set('', (rules.get('') ?? ignore()).add(opts.exclude));
  const files: FileRecord[] = [];
  const skipped: FileRecord[] = [];
  for (const e of entries) {
    const rel = toPosix(e.path);
    if (ignoredBy(rules, rel)) continue;
    const stats = e.stats as fs.Stats;
    if (stats.isSymbolicLink()) {
      skipped.push({ path: rel, kind: classify(rel), bytes: 0, skipped: symlinkReason(root, path.join(root, rel)) });
      continue;
    }
    if (stats.isDirectory()) continue;
    if (!stats.isFile()) {
      skipped.push({ path: rel, kind: classify(rel), bytes: 0, skipped: 'not a regular file (device, socket or pipe)' });
      continue;
    }
    if (path.posix.basename(rel) === '.gitignore' || path.posix.basename(rel) === '.auditignore') continue;
    files.push({ path: rel, kind: classify(rel), bytes: stats.size });
  }
  const byPath = (a: FileRecord, b: FileRecord): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { root, files: files.sort(byPath), skipped: skipped.sort(byPath) };
}
