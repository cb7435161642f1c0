import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { analyzeCode, type CodeAnalysis } from '../code/analyze';
import { DEFAULT_PARAMS, type WinnowParams } from '../code/fingerprint';
import { VOCABULARY_VERSION } from '../code/token-kinds';
import { isCode } from '../discover/classify';
import { readTextFile } from '../discover/read';
import { discover } from '../discover/walk';
import type { Category } from '../evidence';
import { toolVersion } from '../util/package-root';
import { writePack, type PackArrays } from './pack-io';
import { PACK_FORMAT, type PackFile, type PackManifest } from './pack-types';

export interface BuildOptions {
  name: string;
  /** Lineage shared with other packs, for the common-code filter (see PackManifest.family). */
  family?: string;
  version: string;
  licence?: string;
  category: Category;
  kind?: 'code' | 'background';
  /** Globs of files to read (default all .py files and notebooks). */
  include?: string[];
  exclude?: string[];
  /** Folder prefixes that are import roots, stripped from module names (default: "src/" and "lib/" when present). */
  moduleRoots?: string[];
  importNames?: string[];
  params?: WinnowParams;
  /** Store token streams and line tables (needed to extend fragments and cite upstream lines). Default: code packs yes. */
  streams?: boolean;
  compress?: boolean;
  commit?: string;
  remote?: string;
  /** Root commit(s) of the upstream history, for fork detection; by default read from git when the folder is a checkout. */
  rootCommits?: string[];
  /**
   * Per-path categories: the first rule whose glob (`**` any folders, `*` and `?` within a name) matches a file's path
   * sets that file's category, overriding the pack's (e.g. vllm's model_executor/models/** is model-implementation).
   */
  categoryRules?: { pattern: string; category: Category }[];
  /** Called after each file, for progress. */
  onFile?: (done: number, total: number) => void;
}

export interface BuildResult {
  dir: string;
  manifest: PackManifest;
  warnings: string[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Dotted module name of a .py path, or undefined when the path is not importable. */
export function moduleName(rel: string, roots: string[]): string | undefined {
  if (!rel.endsWith('.py')) return undefined;
  let p = rel;
  for (const r of roots) {
    const prefix = r.endsWith('/') ? r : `${r}/`;
    if (p.startsWith(prefix)) {
      p = p.slice(prefix.length);
      break;
    }
  }
  const parts = p.slice(0, -3).split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0 || !parts.every((x) => IDENT.test(x))) return undefined;
  return parts.join('.');
}

/** Commit, remote and root commits of a git checkout; empty when the folder is not one. */
export async function gitFacts(dir: string): Promise<{ commit?: string; remote?: string; rootCommits?: string[] }> {
  try {
    const git = simpleGit({ baseDir: dir });
    if (!(await git.checkIsRepo())) return {};
    const top = (await git.revparse(['--show-toplevel'])).trim();
    if (path.resolve(top) !== path.resolve(dir)) return {}; // a folder inside some other checkout is not that project
    const commit = (await git.revparse(['HEAD'])).trim();
    let remote: string | undefined;
    try {
      remote = (await git.remote(['get-url', 'origin']))?.toString().trim() || undefined;
    } catch {
      remote = undefined;
    }
    const roots = (await git.raw(['rev-list', '--max-parents=0', 'HEAD'])).split('\n').filter(Boolean);
    return { commit, remote, rootCommits: roots };
  } catch {
    return {};
  }
}

/** Regular expression of a path glob: `**` (any folders), `*` and `?` (within one name), everything else literal. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function concatU8(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concatU32(parts: Uint32Array[], total: number): Uint32Array {
  const out = new Uint32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Code lines of a stream: for each line that holds tokens, its number and its first token. */
export function lineTable(lines: Uint32Array): { lineNo: Uint32Array; lineTok: Uint32Array } {
  const no: number[] = [];
  const tok: number[] = [];
  let last = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== last) {
      no.push(lines[i]);
      tok.push(i);
      last = lines[i];
    }
  }
  return { lineNo: Uint32Array.from(no), lineTok: Uint32Array.from(tok) };
}

/**
 * Builds a signature pack from an upstream source tree with the same discovery, tokenizer and fingerprinting the
 * audit uses, so the two cannot drift apart. Only derived data is written.
 */
export async function buildPack(sourceDir: string, outDir: string, opts: BuildOptions): Promise<BuildResult> {
  const params = opts.params ?? DEFAULT_PARAMS;
  const kind = opts.kind ?? 'code';
  const streams = opts.streams ?? kind === 'code';
  const include = opts.include ?? ['**/*.py', '**/*.ipynb'];
  const exclude = opts.exclude ?? [];
  const found = discover(sourceDir, { include, exclude, gitignore: false });
  const roots = opts.moduleRoots ?? ['src', 'lib'];
  const categoryRules = (opts.categoryRules ?? []).map((r) => ({ re: globRegExp(r.pattern), category: r.category }));
  const warnings: string[] = [];
  const files: PackFile[] = [];
  const kindParts: Uint8Array[] = [];
  const rawParts: Uint8Array[] = [];
  const lineNoParts: Uint32Array[] = [];
  const lineTokParts: Uint32Array[] = [];
  const fpParts: { a: CodeAnalysis; file: number }[] = [];
  let tokenTotal = 0;
  let lineTotal = 0;
  let fpTotal = 0;
  let lines = 0;
  let tokens = 0;
  let skipped = found.skipped.length;
  const code = found.files.filter((f) => isCode(f.kind));
  for (const [i, rec] of code.entries()) {
    opts.onFile?.(i + 1, code.length);
    const read = readTextFile(found.root, rec.path);
    if ('skipped' in read) {
      warnings.push(`${rec.path}: ${read.skipped}`);
      skipped++;
      continue;
    }
    let a: CodeAnalysis;
    try {
      a = analyzeCode(read.bytes, rec.kind as 'python' | 'notebook', params);
    } catch (e) {
      warnings.push(`${rec.path}: ${(e as Error).message}`);
      skipped++;
      continue;
    }
    for (const w of a.warnings) warnings.push(`${rec.path}: ${w}`);
    const fileIndex = files.length;
    const entry: PackFile = {
      path: rec.path,
      module: moduleName(rec.path, roots),
      blobSha1: a.blobSha1,
      normHash: a.normHash,
      lines: a.lineCount,
      codeLines: a.codeLines,
      tokens: a.mass,
      symbols: a.symbols,
      tokenOffset: -1,
      tokenCount: -1,
      lineOffset: -1,
      lineCount: -1,
    };
    const rule = categoryRules.find((r) => r.re.test(rec.path));
    if (rule && rule.category !== opts.category) entry.category = rule.category;
    if (streams) {
      const lt = lineTable(a.lines);
      entry.tokenOffset = tokenTotal;
      entry.tokenCount = a.kinds.length;
      entry.lineOffset = lineTotal;
      entry.lineCount = lt.lineNo.length;
      kindParts.push(a.kinds);
      rawParts.push(Uint8Array.from(a.raw, (r) => r & 0xff));
      lineNoParts.push(lt.lineNo);
      lineTokParts.push(lt.lineTok);
      tokenTotal += a.kinds.length;
      lineTotal += lt.lineNo.length;
    }
    files.push(entry);
    fpParts.push({ a, file: fileIndex });
    fpTotal += a.fpHi.length;
    lines += a.lineCount;
    tokens += a.mass;
  }

  // All fingerprints, sorted by (hi, lo, file, pos) so that loading can merge packs without sorting again.
  const hi = new Uint32Array(fpTotal);
  const lo = new Uint32Array(fpTotal);
  const fileArr = new Uint32Array(fpTotal);
  const pos = new Uint32Array(fpTotal);
  let o = 0;
  for (const { a, file } of fpParts) {
    hi.set(a.fpHi, o);
    lo.set(a.fpLo, o);
    pos.set(a.fpPos, o);
    fileArr.fill(file, o, o + a.fpHi.length);
    o += a.fpHi.length;
  }
  const order = new Uint32Array(fpTotal).map((_, i) => i);
  order.sort((x, y) => hi[x] - hi[y] || lo[x] - lo[y] || fileArr[x] - fileArr[y] || pos[x] - pos[y]);
  const arrays: PackArrays = {
    fpHi: Uint32Array.from(order, (i) => hi[i]),
    fpLo: Uint32Array.from(order, (i) => lo[i]),
    fpFile: Uint32Array.from(order, (i) => fileArr[i]),
    fpPos: Uint32Array.from(order, (i) => pos[i]),
  };
  if (streams) {
    arrays.kinds = concatU8(kindParts, tokenTotal);
    arrays.raw8 = concatU8(rawParts, tokenTotal);
    arrays.lineNo = concatU32(lineNoParts, lineTotal);
    arrays.lineTok = concatU32(lineTokParts, lineTotal);
  }

  const git = await gitFacts(found.root);
  const manifest: Omit<PackManifest, 'sections'> = {
    format: PACK_FORMAT,
    kind,
    project: opts.name,
    family: opts.family,
    version: opts.version,
    commit: opts.commit ?? git.commit,
    remote: opts.remote ?? git.remote,
    rootCommits: opts.rootCommits ?? git.rootCommits,
    licence: opts.licence,
    category: opts.category,
    importNames: opts.importNames,
    createdAt: new Date().toISOString(),
    builder: { tool: `scratch-audit@${toolVersion()}`, k: params.k, w: params.w, vocabulary: VOCABULARY_VERSION, includes: include, excludes: exclude },
    stats: { files: files.length, lines, tokens, fingerprints: fpTotal, skipped },
    files,
  };
  const dir = path.join(outDir, `${safeName(opts.name)}@${safeName(opts.version)}`);
  const written = writePack(dir, manifest, arrays, opts.compress ?? false);
  return { dir, manifest: written, warnings };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._+-]+/g, '_');
}
