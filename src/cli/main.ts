import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runAudit } from '../audit';
import { CATEGORIES, type AuditResult, type Category } from '../evidence';
import { loadPolicy, PolicyError } from '../policy/load';
import { exitCodeFor } from '../policy/assess';
import { parseResult } from '../report/json';
import { readSources } from '../report/sources';
import { render, type ReportFormat } from '../report/index';
import { buildPack } from '../signatures/build';
import { PackError } from '../signatures/pack-io';
import { packageRoot, toolVersion } from '../util/package-root';
import { GitModeError, runPrAudit } from '../git/pr-mode';
import { defaultDetectors } from './detectors';
import { makeProgress } from './progress';
import { defaultCacheDir } from '../pool/cache';
import { runBuildTokenizer } from '../tokenizers/index';
import { runBuildWeights } from '../weights/index';

const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'html', 'sarif', 'spdx', 'cyclonedx'];

/** An error that is the user's (bad flag, missing file): printed without a stack, exit code 2. */
export class UsageError extends Error {}

function ratioArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a ratio such as 0.9 or 90%');
  const x = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  if (x < 0 || x > 1) throw new InvalidArgumentError('must be from 0 to 1 (or 0% to 100%)');
  return x;
}

function intArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function formatArg(v: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown format; one of ${REPORT_FORMATS.join(', ')}`);
  return v as ReportFormat;
}

function categoryArg(v: string): Category {
  if (!(CATEGORIES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${CATEGORIES.join(', ')}`);
  return v as Category;
}

/** Parses `FORMAT=FILE` outputs of -o. */
function outputs(spec: string[]): { format: ReportFormat; file: string }[] {
  return spec.map((s) => {
    const i = s.indexOf('=');
    if (i <= 0 || i === s.length - 1) throw new UsageError(`-o ${s}: expected FORMAT=FILE, e.g. -o html=report.html`);
    const format = s.slice(0, i);
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`-o ${s}: unknown format '${format}'; one of ${REPORT_FORMATS.join(', ')}`);
    return { format: format as ReportFormat, file: s.slice(i + 1) };
  });
}

function write(file: string | undefined, text: string, stdout: (s: string) => void): void {
  if (!file || file === '-') stdout(text);
  else {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
  }
}


interface ScanFlags {
  signatures: string[];
  shippedSignatures: boolean;
  policy: string;
  failUnder?: number;
  format: ReportFormat;
  output?: string;
  out: string[];
  jobs?: number;
  gitignore: boolean;
  exclude: string[];
  k: number;
  w: number;
  minTokens?: number;
  maxFileSize: number;
  progress: boolean;
  quiet: boolean;
  detectors: boolean;
  since?: string;
  cache: boolean;
  cacheDir?: string;
  deep: boolean;
}

export function buildProgram(io: { stdout: (s: string) => void; stderr: (s: string) => void; setExit: (c: number) => void; argv: string[] }): Command {
  const program = new Command();
  program
    .name('audit')
    .description('scratch-audit: how much of an AI model repository was built from scratch')
    .version(toolVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  program
    .command('scan', { isDefault: true })
    .description('audit a repository (the default command: `audit ./repo`)')
    .argument('[path]', 'repository to audit', '.')
    .option('--signatures <dir>', 'signature packs to use besides the shipped ones (repeatable)', collect, [])
    .option('--no-shipped-signatures', 'do not load the packs shipped in signatures/')
    .option('--policy <name|file>', 'policy: built-in strict or lenient, or a YAML file', 'strict')
    .option('--fail-under <ratio>', 'minimum code independence ratio (0.9 or 90%); overrides the policy', ratioArg)
    .addOption(new Option('--format <format>', `report format on stdout or --output (${REPORT_FORMATS.join(', ')})`).default('text').argParser(formatArg))
    .option('--output <file>', 'write the --format report to this file instead of stdout')
    .option('-o, --out <format=file>', 'also write a report in another format (repeatable), e.g. -o json=result.json', collect, [])
    .option('--jobs <n>', 'worker threads (default: one per core)', intArg(1, 256))
    .option('--no-gitignore', 'do not honour .gitignore files (.auditignore is always honoured)')
    .option('--exclude <glob>', 'leave files out of the audit (gitignore syntax; repeatable)', collect, [])
    .option('--k <n>', 'k-gram length in tokens (packs must be built with the same)', intArg(5, 200), 40)
    .option('--w <n>', 'winnowing window in k-grams (packs must be built with the same)', intArg(1, 200), 20)
    .option('--min-tokens <n>', 'smallest fragment reported, in tokens (default 50)', intArg(1, 100000))
    .option('--max-file-size <MiB>', 'code files larger than this are skipped with a warning', intArg(1, 4096), 8)
    .option('--no-progress', 'no progress display on stderr')
    .option('--no-detectors', 'only copied-code matching (skip imports, manifests, hub references, licences, weights, tokenizers)')
    .option('-q, --quiet', 'no progress and no summary line on stderr', false)
    .option('--cache-dir <dir>', `per-file analysis cache (default ${defaultCacheDir()})`)
    .option('--no-cache', 'analyze every file again; do not read or write the cache')
    .option('--deep', 'weights: also compare permutation-robust row sketches (reads whole tensors)', false)
    .option('--since <ref>', 'PR mode: also audit the merge base of <ref> and HEAD; report the ratio before and after and the new borrowed code')
    .action(async (repo: string, flags: ScanFlags) => {
      const policy = loadPolicy(flags.policy);
      if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory()) throw new UsageError(`${repo}: no such directory`);
      const dirs = [...(flags.shippedSignatures ? [path.join(packageRoot(), 'signatures')] : []), ...flags.signatures];
      for (const d of flags.signatures) if (!fs.existsSync(d)) throw new UsageError(`--signatures ${d}: no such directory`);
      const extra = outputs(flags.out);
      const progress = makeProgress({ enabled: flags.progress && !flags.quiet });
      const auditOpts = {
        root: repo,
        signatureDirs: dirs,
        policy,
        failUnder: flags.failUnder,
        params: { k: flags.k, w: flags.w },
        match: flags.minTokens ? { minTokens: flags.minTokens } : undefined,
        jobs: flags.jobs,
        gitignore: flags.gitignore,
        exclude: flags.exclude,
        maxCodeBytes: flags.maxFileSize * 1024 * 1024,
        commandLine: io.argv.slice(2),
        detectors: flags.detectors ? defaultDetectors(dirs, { deep: flags.deep }) : [],
        policyFacts: flags.detectors,
        cacheDir: flags.cache ? flags.cacheDir ?? defaultCacheDir() : undefined,
        onProgress: (phase: string, done: number, total: number) => progress.update(phase, done, total),
      };
      const run = flags.since ? (await runPrAudit({ ...auditOpts, since: flags.since })).head : await runAudit(auditOpts);
      progress.done();
      const result = run.result;
      const needsSources = flags.format === 'html' || extra.some((o) => o.format === 'html');
      const sources = needsSources ? readSources(result) : undefined;
      write(flags.output, render(result, flags.format, { sources }), io.stdout);
      for (const o of extra) write(o.file, render(result, o.format, { sources }), io.stdout);
      if (!flags.quiet && (flags.output || flags.format !== 'text')) {
        const r = result.ratio.ratio;
        io.stderr(`scratch-audit: verdict ${result.verdict}; code independence ratio ${r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`}\n`);
      }
      io.setExit(run.exitCode);
    });

  program
    .command('report')
    .description('render a saved JSON result in another format, without scanning again')
    .argument('<result.json>', 'a result written with --format json')
    .addOption(new Option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`).default('html').argParser(formatArg))
    .option('--output <file>', 'write to this file instead of stdout')
    .action((file: string, flags: { format: ReportFormat; output?: string }) => {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`${file}: cannot read (${(e as Error).message})`);
      }
      const result = parseResult(text, file);
      write(flags.output, render(result, flags.format, { sources: flags.format === 'html' ? readSources(result) : undefined }), io.stdout);
      io.setExit(result.verdict === 'PASS' ? 0 : result.verdict === 'FAIL' ? 1 : exitCodeFor(result.verdict, loadPolicy('strict').policy));
    });

  program
    .command('policy')
    .description('check a policy file and print the effective policy (after extends) with its SHA-256')
    .argument('[name|file]', 'built-in strict or lenient, or a YAML policy file', 'strict')
    .action((source: string) => {
      const p = loadPolicy(source);
      io.stdout(`# ${p.source} · sha256 ${p.sha256}\n${JSON.stringify(JSON.parse(p.text), null, 2)}\n`);
      io.setExit(0);
    });

  const sig = program.command('signatures').description('build signature packs');
  sig
    .command('build')
    .description('build a code signature pack from an upstream source tree or checkout')
    .argument('<dir>', 'upstream source folder (a git checkout records its commit and remote)')
    .requiredOption('--name <name>', 'upstream project name, e.g. nanogpt')
    .requiredOption('--version <version>', 'tag or commit the source is at')
    .requiredOption('--out <dir>', 'folder to write <name>@<version>/ into')
    .option('--license <spdx>', 'licence of the upstream (SPDX id or LicenseRef-…)')
    .addOption(new Option('--category <category>', `one of ${CATEGORIES.join(', ')}`).default('model-implementation').argParser(categoryArg))
    .option('--include <glob>', 'files to read (repeatable; default **/*.py and **/*.ipynb)', collect, [])
    .option('--exclude <glob>', 'files to leave out (repeatable)', collect, [])
    .option('--module-root <dir>', 'folder prefix that is an import root (repeatable; default src, lib)', collect, [])
    .option('--import-name <name>', 'top-level import name the project provides (repeatable)', collect, [])
    .option('--family <name>', 'lineage shared with other packs (one family counts once in the common-code filter)')
    .option('--background', 'a background corpus: only feeds the common-code filter, never reported as a source', false)
    .option('--no-streams', 'do not store token streams (smaller pack; no token-level extension or upstream lines)')
    .option('--compress', 'gzip pack.bin', false)
    .option('--commit <sha>', 'record this commit (default: read from git)')
    .option('--remote <url>', 'record this remote (default: git origin)')
    .option('--k <n>', 'k-gram length', intArg(5, 200), 40)
    .option('--w <n>', 'winnowing window', intArg(1, 200), 20)
    .action(async (dir: string, f: Record<string, unknown>) => {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such directory`);
      const res = await buildPack(dir, f.out as string, {
        name: f.name as string,
        version: f.version as string,
        licence: f.license as string | undefined,
        category: f.category as Category,
        kind: f.background ? 'background' : 'code',
        include: (f.include as string[]).length ? (f.include as string[]) : undefined,
        exclude: f.exclude as string[],
        moduleRoots: (f.moduleRoot as string[]).length ? (f.moduleRoot as string[]) : undefined,
        importNames: (f.importName as string[]).length ? (f.importName as string[]) : undefined,
        family: f.family as string | undefined,
        streams: f.streams === false ? false : undefined,
        compress: f.compress as boolean,
        commit: f.commit as string | undefined,
        remote: f.remote as string | undefined,
        params: { k: f.k as number, w: f.w as number },
      });
      for (const w of res.warnings) io.stderr(`warning: ${w}\n`);
      const s = res.manifest.stats;
      io.stdout(`wrote ${res.dir}: ${s.files} files, ${s.lines} lines, ${s.tokens} tokens, ${s.fingerprints} fingerprints${s.skipped ? `, ${s.skipped} skipped` : ''}\n`);
      io.setExit(0);
    });
  sig
    .command('build-weights')
    .description('build a weight signature of a reference model (hashes, statistics, seeded samples; never loads a whole file)')
    .argument('<model-dir>', 'folder with the model files (safetensors, GGUF, torch zip, npy/npz, ONNX) and config.json')
    .requiredOption('--name <name>', 'reference model name, e.g. qwen2.5-vl-7b')
    .requiredOption('--revision <rev>', 'revision or commit of the reference')
    .requiredOption('--out <dir>', 'folder to write <name>@<revision>.weights.json into')
    .option('--license <spdx>', 'licence of the reference model (SPDX id or LicenseRef-…)')
    .option('--gzip', 'gzip the signature', false)
    .action(async (dir: string, f: { name: string; revision: string; out: string; license?: string; gzip: boolean }) => {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such directory`);
      const file = await runBuildWeights(dir, { name: f.name, revision: f.revision, out: f.out, gzip: f.gzip, licence: f.license });
      io.stdout(`wrote ${file} (${fs.statSync(file).size} bytes)\n`);
      io.setExit(0);
    });
  sig
    .command('build-tokenizer')
    .description('build a tokenizer signature (tokenizer.json, SentencePiece .model, tiktoken, vocab.json)')
    .argument('<file>', 'the tokenizer file')
    .requiredOption('--name <name>', 'reference tokenizer name')
    .requiredOption('--out <dir>', 'folder to write <name>.tokenizer.json into')
    .option('--version <version>', 'version of the reference')
    .option('--license <spdx>', 'licence of the reference')
    .action((file: string, f: { name: string; out: string; version?: string; license?: string }) => {
      if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
      const r = runBuildTokenizer(file, { name: f.name, out: f.out, version: f.version, licence: f.license });
      io.stdout(`wrote ${r.path} (${r.bytes} bytes)\n`);
      io.setExit(0);
    });
  return program;
}

/** Entry point: returns the exit code (0 pass, 1 policy failure, 2 usage, I/O or internal error). */
export async function main(argv: string[]): Promise<number> {
  let exit = 2;
  const io = {
    stdout: (s: string) => void process.stdout.write(s),
    stderr: (s: string) => void process.stderr.write(s),
    setExit: (c: number) => {
      exit = c;
    },
    argv,
  };
  try {
    await buildProgram(io).parseAsync(argv);
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; parse errors were printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || e instanceof PolicyError || e instanceof PackError || e instanceof GitModeError) {
      io.stderr(`scratch-audit: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr(`scratch-audit: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}
