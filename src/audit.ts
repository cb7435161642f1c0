import * as os from 'node:os';
import type { CodeAnalysis, PolicyFacts } from './code/analyze';
import { describeNotebookRange } from './code/notebook';
import { DEFAULT_PARAMS, type WinnowParams } from './code/fingerprint';
import { defaultMatchOptions, matchCode, type MatchOptions } from './detectors/copied-code';
import { vendoredTreeFindings, type SmallFile } from './detectors/vendored-tree';
import { isCode } from './discover/classify';
import { DEFAULT_MAX_CODE_BYTES } from './discover/read';
import { discover } from './discover/walk';
import type { AuditResult, FileRecord, Finding, GateResult } from './evidence';
import { assess, type CodeCoverage } from './policy/assess';
import type { LoadedPolicy, Policy } from './policy/types';
import { analyzeAll } from './pool/pool';
import { DEFAULT_COMMON, loadIndex, packInfos, type CommonFilter, type SignatureIndex } from './signatures/index';
import { repositoryFacts } from './util/git-facts';
import { toolVersion } from './util/package-root';

/** Extra evidence a detector adds after code matching (imports, manifests, weights, tokenizers, ...). */
export interface DetectorContext {
  root: string;
  files: FileRecord[];
  index: SignatureIndex;
  /** Copy findings so far. */
  findings: Finding[];
  /** Imports, hub references and SPDX tag lines read by the workers from each code file's parse. */
  facts: Map<string, PolicyFacts>;
}
export interface DetectorOutput {
  findings: Finding[];
  gates?: GateResult[];
  warnings?: string[];
}
export type Detector = (ctx: DetectorContext) => Promise<DetectorOutput>;

export interface AuditOptions {
  root: string;
  signatureDirs: string[];
  policy: LoadedPolicy;
  /** Overrides the policy's threshold. */
  failUnder?: number;
  params?: WinnowParams;
  match?: Partial<MatchOptions>;
  common?: CommonFilter;
  jobs?: number;
  gitignore?: boolean;
  exclude?: string[];
  maxCodeBytes?: number;
  commandLine?: string[];
  detectors?: Detector[];
  /** Have the workers read imports and hub references from their parse (the policy detector uses them). */
  policyFacts?: boolean;
  /** Per-file analysis cache folder (see src/pool/cache.ts); absent: no cache. */
  cacheDir?: string;
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Optional: an index already loaded (the benchmark reuses one). */
  index?: SignatureIndex;
  /** Keeps the per-file analyses (the PR mode and tests read them). */
  keepAnalyses?: boolean;
}

export interface AuditRun {
  result: AuditResult;
  exitCode: 0 | 1;
  policy: Policy;
  analyses?: Map<string, CodeAnalysis>;
  index: SignatureIndex;
}

/** The whole pipeline: discover -> read -> detect -> assess. Reporters take the result from here. */
export async function runAudit(opts: AuditOptions): Promise<AuditRun> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const params = opts.params ?? DEFAULT_PARAMS;
  const matchOpts = { ...defaultMatchOptions(params.k, params.w), ...opts.match };
  const policy: Policy = { ...opts.policy.policy, threshold: opts.failUnder ?? opts.policy.policy.threshold };
  const warnings: string[] = [];

  const index = opts.index ?? loadIndex(opts.signatureDirs, params, opts.common ?? DEFAULT_COMMON);
  timings.loadIndex = opts.index ? 0 : performance.now() - t0;

  let t = performance.now();
  const found = discover(opts.root, { gitignore: opts.gitignore, exclude: opts.exclude });
  timings.discover = performance.now() - t;
  const files = found.files;
  for (const s of found.skipped) warnings.push(`${s.path}: ${s.skipped}`);
  // git runs as child processes: ask now, while the files are analyzed, and read the answer at the end.
  const repoFacts = repositoryFacts(found.root);

  t = performance.now();
  const code = files.filter((f) => isCode(f.kind));
  const repoDirs = opts.policyFacts ? [...new Set(files.filter((f) => f.path.includes('/')).map((f) => f.path.split('/')[0]))] : undefined;
  const tasks = code.map((f, id) => ({
    id, root: found.root, path: f.path, kind: f.kind as 'python' | 'notebook', params,
    maxBytes: opts.maxCodeBytes ?? DEFAULT_MAX_CODE_BYTES, bytes: f.bytes, repoDirs, cacheDir: opts.cacheDir,
  }));
  const findings: Finding[] = [];
  const coverage: CodeCoverage[] = [];
  const analyses = new Map<string, CodeAnalysis>();
  const facts = new Map<string, PolicyFacts>();
  let done = 0;
  let matchMs = 0;
  let cacheHits = 0;
  await analyzeAll(tasks, opts.jobs ?? os.availableParallelism(), (o) => {
    const rec = code[o.id];
    done++;
    opts.onProgress?.('analyze', done, code.length);
    if (!o.ok) {
      rec.skipped = o.skipped;
      warnings.push(`${rec.path}: ${o.skipped}`);
      return;
    }
    const a = o.analysis;
    if (o.cached) cacheHits++;
    if (a.policy) facts.set(rec.path, a.policy);
    rec.lines = a.lineCount;
    rec.codeLines = a.codeLines;
    rec.tokens = a.mass;
    rec.blobSha1 = a.blobSha1;
    rec.sha1 = a.sha1;
    rec.sha256 = a.sha256;
    if (a.warnings.length) {
      rec.warnings = a.warnings;
      for (const w of a.warnings) warnings.push(`${rec.path}: ${w}`);
    }
    const tm = performance.now();
    const m = matchCode(rec.path, a, index, matchOpts);
    matchMs += performance.now() - tm;
    if (a.notebook) {
      for (const f of m.findings) if (f.lines) f.details = { ...f.details, notebook: describeNotebookRange(a.notebook, f.lines.start, f.lines.end) };
    }
    findings.push(...m.findings);
    coverage.push({ path: rec.path, copiedTokens: m.copiedTokens, copiedLines: m.copiedLines });
    if (opts.keepAnalyses) analyses.set(rec.path, a);
  });
  // Small files of folders vendored whole: attributed through the folder's mapping to its upstream.
  const covByPath = new Map(coverage.map((c) => [c.path, c]));
  const recByPath = new Map(code.map((r) => [r.path, r]));
  const unattributed: SmallFile[] = [];
  for (const rec of code) {
    const cov = covByPath.get(rec.path);
    if (rec.tokens && rec.blobSha1 && cov && cov.copiedTokens === 0) unattributed.push({ path: rec.path, blobSha1: rec.blobSha1, tokens: rec.tokens, lines: rec.lines ?? 1 });
  }
  for (const f of vendoredTreeFindings(findings, unattributed, index)) {
    findings.push(f);
    const cov = covByPath.get(f.file)!;
    const rec = recByPath.get(f.file)!;
    cov.copiedTokens = rec.tokens ?? 0;
    cov.copiedLines = rec.codeLines ?? 0;
  }
  timings.analyze = performance.now() - t;
  timings.match = matchMs;

  const gates: GateResult[] = [];
  if (opts.detectors?.length) {
    t = performance.now();
    const ctx: DetectorContext = {
      root: found.root,
      files,
      index,
      findings: [...findings],
      facts,
    };
    for (const d of opts.detectors) {
      const out = await d(ctx);
      findings.push(...out.findings);
      gates.push(...(out.gates ?? []));
      warnings.push(...(out.warnings ?? []));
    }
    timings.detectors = performance.now() - t;
  }

  t = performance.now();
  const assessed = assess({ files: [...files, ...found.skipped], coverage, findings, detectorGates: gates, policy });
  timings.assess = performance.now() - t;
  warnings.push(...assessed.warnings);
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const s of assessed.summaries) {
    const rec = byPath.get(s.path);
    if (rec && s.excluded) rec.excluded = s.excluded;
  }
  const repo = await repoFacts;
  timings.total = performance.now() - t0;

  const result: AuditResult = {
    schema: 'scratch-audit/result@1',
    tool: { name: 'scratch-audit', version: toolVersion() },
    createdAt: new Date().toISOString(),
    commandLine: opts.commandLine ?? [],
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.availableParallelism() },
    repository: { root: found.root, ...repo },
    parameters: {
      k: params.k, w: params.w, minTokens: matchOpts.minTokens, maxGap: matchOpts.maxGap, maxSkew: matchOpts.maxSkew,
      commonProjects: index.filter.projects, commonFiles: index.filter.files, indexFingerprints: index.stats.fingerprints,
      commonFingerprints: index.stats.commonFingerprints,
      cacheHits,
    },
    policy: { name: policy.name, sha256: opts.policy.sha256, threshold: policy.threshold, text: opts.policy.text },
    packs: packInfos(index),
    files: [...files, ...found.skipped],
    summaries: assessed.summaries,
    findings: assessed.findings,
    ratio: assessed.ratio,
    gates: assessed.gates,
    verdict: assessed.verdict,
    warnings,
    timings,
  };
  return { result, exitCode: assessed.verdict === 'PASS' ? 0 : assessed.verdict === 'FAIL' ? 1 : policy.gates.reviewExitCode, policy, analyses: opts.keepAnalyses ? analyses : undefined, index };
}
