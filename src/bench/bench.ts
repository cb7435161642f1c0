// `npm run bench`: speed and memory figures, printed, never asserted. Each measurement runs in its own child process
// so that its peak RSS is its own.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAudit } from '../audit';
import { parsePython } from '../code/parser';
import { isCode } from '../discover/classify';
import { discover } from '../discover/walk';
import { loadPolicy } from '../policy/load';
import { buildPack } from '../signatures/build';
import { buildIndex, loadIndex } from '../signatures/index';
import { findPackDirs, readPack, writePack } from '../signatures/pack-io';
import { packageRoot } from '../util/package-root';
import { PACK_FORMAT, type PackFile } from '../signatures/pack-types';
import { VOCABULARY_VERSION } from '../code/token-kinds';

const STDLIB_EXCLUDE = ['**/test/**', '**/tests/**', '**/idle_test/**', 'site-packages/**', 'dist-packages/**', 'lib2to3/tests/**'];

interface Figures {
  ms: number;
  files: number;
  bytes: number;
  lines: number;
  maxRssMb: number;
  extra?: Record<string, number | string>;
}

function stdlibDir(): string {
  return execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function stdlibFiles(root: string): { path: string; bytes: number }[] {
  return discover(root, { exclude: STDLIB_EXCLUDE, gitignore: false }).files.filter((f) => isCode(f.kind) && f.kind === 'python');
}

/** Child: tree-sitter's bare parse of every file, one thread: the practical limit of any tree-sitter tool. */
function childParse(root: string): Figures {
  const files = stdlibFiles(root);
  let bytes = 0;
  let lines = 0;
  const t0 = performance.now();
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f.path), 'utf8');
    bytes += f.bytes;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
    parsePython(text);
  }
  return { ms: performance.now() - t0, files: files.length, bytes, lines, maxRssMb: maxRssMb() };
}

/** Child: the whole audit (discover, tokenize, fingerprint, match, assess) of the stdlib against its own pack. */
async function childAudit(root: string, packs: string, jobs: number, snippets: boolean): Promise<Figures> {
  const t0 = performance.now();
  const run = await runAudit({
    root,
    signatureDirs: [packs],
    policy: loadPolicy('strict'),
    jobs,
    exclude: STDLIB_EXCLUDE,
    gitignore: false,
    // With whole-file hashes off every file goes through fingerprint lookup, chaining and extension.
    match: snippets ? { minWholeFileTokens: Number.MAX_SAFE_INTEGER } : undefined,
  });
  const ms = performance.now() - t0;
  const r = run.result;
  const analyzed = r.files.filter((f) => f.tokens !== undefined);
  return {
    ms,
    files: analyzed.length,
    bytes: analyzed.reduce((s, f) => s + f.bytes, 0),
    lines: analyzed.reduce((s, f) => s + (f.lines ?? 0), 0),
    maxRssMb: maxRssMb(),
    extra: {
      loadIndexMs: Math.round(r.timings.loadIndex),
      matchMs: Math.round(r.timings.match),
      copiedShare: (r.ratio.copiedTokens / Math.max(1, r.ratio.totalTokens)).toFixed(3),
      findings: r.findings.length,
    },
  };
}

/** Writes synthetic packs holding `total` random fingerprints (the index does not care what they hash). */
function syntheticPacks(dir: string, total: number, packs: number): void {
  let seed = 12345;
  const rnd = (): number => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed;
  };
  const per = Math.ceil(total / packs);
  for (let p = 0; p < packs; p++) {
    const pairs = new Float64Array(per);
    const hi = new Uint32Array(per);
    const lo = new Uint32Array(per);
    for (let i = 0; i < per; i++) {
      hi[i] = rnd();
      lo[i] = rnd();
      pairs[i] = hi[i] * 4294967296 + (lo[i] >>> 11); // sort key; low bits only break ties
    }
    const order = Array.from({ length: per }, (_, i) => i).sort((a, b) => pairs[a] - pairs[b] || lo[a] - lo[b]);
    const files: PackFile[] = Array.from({ length: 1000 }, (_, i) => ({
      path: `f${i}.py`, blobSha1: '0'.repeat(40), normHash: `${p}-${i}`, lines: 100, codeLines: 80, tokens: 600, symbols: [],
      tokenOffset: -1, tokenCount: -1, lineOffset: -1, lineCount: -1,
    }));
    writePack(path.join(dir, `synthetic${p}@1`), {
      format: PACK_FORMAT, kind: 'code', project: `synthetic${p}`, version: '1', category: 'framework', createdAt: new Date().toISOString(),
      builder: { tool: 'bench', k: 40, w: 20, vocabulary: VOCABULARY_VERSION, includes: [], excludes: [] },
      stats: { files: 1000, lines: 0, tokens: 0, fingerprints: per, skipped: 0 }, files,
    }, {
      fpHi: Uint32Array.from(order, (i) => hi[i]),
      fpLo: Uint32Array.from(order, (i) => lo[i]),
      fpFile: Uint32Array.from(order, (i) => i % 1000),
      fpPos: Uint32Array.from(order, (i) => i),
    });
  }
}

function childLoad(dir: string): Figures {
  const t0 = performance.now();
  const index = loadIndex([dir], { k: 40, w: 20 });
  return { ms: performance.now() - t0, files: index.files.length, bytes: 0, lines: 0, maxRssMb: maxRssMb(), extra: { fingerprints: index.stats.fingerprints } };
}

/** Child: the audit of a large repository against every shipped pack except its own project's. */
async function childLarge(root: string, ownProject: string): Promise<Figures> {
  const t0 = performance.now();
  const packs = findPackDirs(path.join(packageRoot(), 'signatures'))
    .map((d) => readPack(d, { k: 40, w: 20 }))
    .filter((p) => p.manifest.project !== ownProject);
  const index = buildIndex(packs);
  const loadMs = performance.now() - t0;
  const run = await runAudit({ root, signatureDirs: [], index, policy: loadPolicy('strict'), gitignore: false, policyFacts: false });
  const r = run.result;
  const analyzed = r.files.filter((f) => f.tokens !== undefined);
  return {
    ms: performance.now() - t0,
    files: analyzed.length,
    bytes: analyzed.reduce((s, f) => s + f.bytes, 0),
    lines: analyzed.reduce((s, f) => s + (f.lines ?? 0), 0),
    maxRssMb: maxRssMb(),
    extra: { packs: packs.length, loadIndexMs: Math.round(loadMs), matchMs: Math.round(r.timings.match), ratio: (r.ratio.ratio ?? 0).toFixed(3) },
  };
}

function runChild(args: string[]): Figures {
  const r = spawnSync(process.execPath, [__filename, '--child', ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Figures;
}

function rate(f: Figures): string {
  const s = f.ms / 1000;
  return `${(f.files / s).toFixed(0).padStart(6)} files/s ${(f.bytes / 1048576 / s).toFixed(2).padStart(6)} MB/s ${Math.round(f.lines / s).toLocaleString('en-US').padStart(9)} lines/s  ${s.toFixed(2).padStart(6)} s  peak RSS ${f.maxRssMb.toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, mode, a, b, c, d] = argv;
    let out: Figures;
    if (mode === 'parse') out = childParse(a);
    else if (mode === 'audit') out = await childAudit(a, b, Number(c), d === 'snippets');
    else if (mode === 'large') out = await childLarge(a, b);
    else out = childLoad(a);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const root = stdlibDir();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-'));
  try {
    const lines: string[] = [];
    const say = (s: string): void => {
      lines.push(s);
      process.stdout.write(s + '\n');
    };
    say(`scratch-audit bench · node ${process.version} · ${os.availableParallelism()} cores · ${os.cpus()[0]?.model ?? ''}`);
    say(`corpus: Python standard library at ${root} (without its tests)`);
    const packs = path.join(scratch, 'packs');
    const t0 = performance.now();
    const built = await buildPack(root, packs, { name: 'cpython-stdlib', version: 'machine', category: 'infrastructure', exclude: STDLIB_EXCLUDE, moduleRoots: [] });
    const packBytes = fs.readdirSync(built.dir).reduce((s, f) => s + fs.statSync(path.join(built.dir, f)).size, 0);
    say(`pack build: ${built.manifest.stats.files} files, ${built.manifest.stats.lines.toLocaleString('en-US')} lines, ${built.manifest.stats.fingerprints.toLocaleString('en-US')} fingerprints, ${(packBytes / 1048576).toFixed(1)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const parse = runChild(['parse', root]);
    say(`bare tree-sitter parse, 1 thread       ${rate(parse)}`);
    for (const [jobs, mode] of [[1, 'snippets'], [2, 'snippets'], [1, 'whole'], [2, 'whole']] as const) {
      const f = runChild(['audit', root, packs, String(jobs), mode]);
      const label = `audit, ${jobs} thread${jobs > 1 ? 's' : ' '}, ${mode === 'snippets' ? 'snippet path' : 'whole-file  '}`;
      say(`${label.padEnd(38)} ${rate(f)}  = ${((parse.ms / f.ms) * (f.lines / Math.max(1, parse.lines)) * 100).toFixed(0)}% of bare parse · match ${f.extra?.matchMs} ms`);
    }
    const synth = path.join(scratch, 'synthetic');
    syntheticPacks(synth, 5_000_000, 5);
    const load = runChild(['load', synth]);
    say(`index load, ${Number(load.extra?.fingerprints).toLocaleString('en-US')} fingerprints in 5 packs: ${load.ms.toFixed(0)} ms, peak RSS ${load.maxRssMb.toFixed(0)} MB`);
    const shipped = runChild(['load', path.join(packageRoot(), 'signatures')]);
    say(`index load, all shipped packs (${Number(shipped.extra?.fingerprints).toLocaleString('en-US')} fingerprints): ${shipped.ms.toFixed(0)} ms, peak RSS ${shipped.maxRssMb.toFixed(0)} MB`);
    // A large repository audited against every shipped pack but its own: `npm run bench -- --large <dir> <project>`.
    const li = argv.indexOf('--large');
    if (li >= 0 && argv[li + 1]) {
      const f = runChild(['large', argv[li + 1], argv[li + 2] ?? '']);
      say(`large repository ${argv[li + 1]} vs ${f.extra?.packs} packs (not ${argv[li + 2] ?? '-'}), 2 threads, cold cache: ${rate(f)} · index ${f.extra?.loadIndexMs} ms · ratio ${f.extra?.ratio}`);
    }
    // The weights bench runs in a process of its own, so that its peak RSS is not the code bench's.
    const weightsBench = path.join(__dirname, 'weights-bench.js');
    if (fs.existsSync(weightsBench)) {
      const code = `require(${JSON.stringify(weightsBench)}).benchWeights().then((l) => process.stdout.write(l.join('\\n') + '\\n'))`;
      const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`weights bench failed: ${r.stderr}`);
      for (const l of r.stdout.trim().split('\n')) say(l);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 2;
});
