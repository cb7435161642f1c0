/**
 * Rebuilds every signature pack listed in a sources file from checkouts of the upstreams:
 *
 *   node dist/signatures/build-all.js <sources file> <checkouts dir> [--out signatures/] [--only name|name@version,...] [--uncompressed] [--warnings]
 *
 * The checkouts dir holds one folder per source (`checkout` in the sources file, default the source's name) with the
 * upstream tree at the pinned commit (e.g. `git archive <commit> | tar -x`). Packs are written to
 * `<out>/<name>@<version>/`, gzip-compressed, with the commit, tag, remote, licence, categories and root commits taken
 * from the sources file, never from whatever folder the tree happens to sit in. Prints a cost table (markdown).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CATEGORIES, type Category } from '../evidence';
import { buildPack, type BuildOptions } from './build';

/** One upstream of the sources file: the build options it pins, plus where its tree came from. */
export interface SourceEntry
  extends Pick<BuildOptions, 'licence' | 'category' | 'kind' | 'include' | 'exclude' | 'moduleRoots' | 'importNames' | 'family' | 'categoryRules' | 'rootCommits' | 'streams'> {
  /** Pack project name, e.g. "nanogpt". */
  name: string;
  /** Pack version: the upstream tag when the commit carries one, else a short commit id. */
  version: string;
  /** Public repository (or package) the tree comes from. */
  repository: string;
  commit?: string;
  tag?: string;
  /** Commit (or release) date, YYYY-MM-DD. */
  date?: string;
  /** Folder name under the checkouts dir (default: name; needed when two versions of one project are listed). */
  checkout?: string;
  /** How the checkout was obtained (git snapshot, release wheel, Debian package), with the archive's hash when not git. */
  obtainedFrom?: string;
  /** Anything else a reader should know. */
  notes?: string;
}

export interface SourcesFile {
  format: 'scratch-audit/sources@1';
  sources: SourceEntry[];
}

export interface CostRow {
  project: string;
  version: string;
  commit: string;
  kind: 'code' | 'background';
  files: number;
  lines: number;
  fingerprints: number;
  bytes: number;
  streams: boolean;
}

/** Reads and checks a sources file; throws with the offending entry named. */
export function readSources(file: string): SourcesFile {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as SourcesFile;
  if (doc.format !== 'scratch-audit/sources@1' || !Array.isArray(doc.sources)) {
    throw new Error(`${file}: not a scratch-audit/sources@1 file`);
  }
  const seen = new Set<string>();
  for (const s of doc.sources) {
    const where = `${file}: source '${String(s.name)}'`;
    if (!s.name || !s.version || !s.repository) throw new Error(`${where}: name, version and repository are required`);
    const key = `${s.name}@${s.version}`;
    if (seen.has(key)) throw new Error(`${where}: ${key} listed twice`);
    seen.add(key);
    if (!CATEGORIES.includes(s.category)) throw new Error(`${where}: unknown category '${String(s.category)}'`);
    for (const r of s.categoryRules ?? []) {
      if (!CATEGORIES.includes(r.category)) throw new Error(`${where}: unknown category '${String(r.category)}' for ${r.pattern}`);
    }
    if (s.kind && s.kind !== 'code' && s.kind !== 'background') throw new Error(`${where}: kind must be code or background`);
  }
  return doc;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) n += fs.statSync(path.join(dir, f)).size;
  return n;
}

/** Build options of one source entry (exported for tests). */
export function optionsOf(s: SourceEntry, compress: boolean): BuildOptions {
  const kind = s.kind ?? 'code';
  return {
    name: s.name,
    version: s.version,
    licence: s.licence,
    category: s.category,
    kind,
    include: s.include,
    exclude: s.exclude,
    moduleRoots: s.moduleRoots,
    importNames: s.importNames,
    family: s.family,
    streams: s.streams ?? kind === 'code',
    compress,
    commit: s.commit,
    remote: s.repository,
    rootCommits: s.rootCommits,
    categoryRules: s.categoryRules,
  };
}

export async function buildAll(
  sourcesFile: string,
  checkouts: string,
  out: string,
  opts: { only?: string[]; compress?: boolean; warnings?: boolean; log?: (s: string) => void } = {},
): Promise<CostRow[]> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const doc = readSources(sourcesFile);
  const rows: CostRow[] = [];
  const picked = (s: SourceEntry, n: string): boolean => n === s.name || n === `${s.name}@${s.version}`;
  const wanted = doc.sources.filter((s) => !opts.only || opts.only.some((n) => picked(s, n)));
  if (opts.only) {
    const missing = opts.only.filter((n) => !doc.sources.some((s) => picked(s, n)));
    if (missing.length) throw new Error(`not in ${sourcesFile}: ${missing.join(', ')}`);
  }
  for (const s of wanted) {
    const dir = path.join(checkouts, s.checkout ?? s.name);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${s.name}: no checkout at ${dir}`);
    const t0 = Date.now();
    const bo = optionsOf(s, opts.compress ?? true);
    const res = await buildPack(dir, out, bo);
    const m = res.manifest;
    const row: CostRow = {
      project: m.project,
      version: m.version,
      commit: m.commit ?? '',
      kind: m.kind,
      files: m.stats.files,
      lines: m.stats.lines,
      fingerprints: m.stats.fingerprints,
      bytes: dirBytes(res.dir),
      streams: !!m.sections.kinds,
    };
    rows.push(row);
    const skipped = res.warnings.length ? `, ${res.warnings.length} warnings` : '';
    if (opts.warnings) for (const w of res.warnings) log(`  warning: ${w}`);
    log(`${m.project}@${m.version}: ${row.files} files, ${row.lines} lines, ${row.fingerprints} fingerprints, ${row.bytes} bytes, ${Date.now() - t0} ms${skipped}`);
  }
  return rows;
}

export function costTable(rows: CostRow[]): string {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines = [
    '| project | version | commit | kind | files | lines | fingerprints | bytes |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  let files = 0;
  let nLines = 0;
  let fps = 0;
  let bytes = 0;
  for (const r of rows) {
    const kind = r.kind === 'background' ? 'background' : r.streams ? 'code' : 'code, no streams';
    lines.push(`| ${r.project} | ${r.version} | ${r.commit.slice(0, 12)} | ${kind} | ${fmt(r.files)} | ${fmt(r.lines)} | ${fmt(r.fingerprints)} | ${fmt(r.bytes)} |`);
    files += r.files;
    nLines += r.lines;
    fps += r.fingerprints;
    bytes += r.bytes;
  }
  lines.push(`| **total** (${rows.length} packs) | | | | ${fmt(files)} | ${fmt(nLines)} | ${fmt(fps)} | ${fmt(bytes)} |`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const pos: string[] = [];
  let out = 'signatures';
  let only: string[] | undefined;
  let compress = true;
  let warnings = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = argv[++i];
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '--only') only = argv[++i].split(',').filter(Boolean);
    else if (a === '--uncompressed') compress = false;
    else if (a === '--warnings') warnings = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: build-all <sources file> <checkouts dir> [--out signatures/] [--only name|name@version,...] [--uncompressed] [--warnings]\n');
      return 0;
    } else if (a.startsWith('-')) {
      process.stderr.write(`build-all: unknown option ${a}\n`);
      return 2;
    } else pos.push(a);
  }
  if (pos.length !== 2 || !out) {
    process.stderr.write('usage: build-all <sources file> <checkouts dir> [--out signatures/] [--only name|name@version,...] [--uncompressed] [--warnings]\n');
    return 2;
  }
  const rows = await buildAll(pos[0], pos[1], out, { only, compress, warnings });
  process.stdout.write(costTable(rows) + '\n');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`build-all: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
