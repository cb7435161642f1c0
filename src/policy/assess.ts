import ignore from 'ignore';
import { licenceAllowed } from '../detectors/licences';
import type {
  Category, FileRecord, FileSummary, Finding, GateName, GateResult, GateStatus, ProjectShare, RatioBreakdown, Verdict,
} from '../evidence';
import type { GateLevel, PathRule, Policy } from './types';

/** Per code file, what the copy detector attributed (raw tokens and lines). */
export interface CodeCoverage {
  path: string;
  copiedTokens: number;
  copiedLines: number;
}

export interface AssessInput {
  files: FileRecord[];
  coverage: CodeCoverage[];
  findings: Finding[];
  /** Gates computed by detectors (weights, tokenizer); absent ones are NOT-CHECKED. */
  detectorGates: GateResult[];
  policy: Policy;
  /** Decides whether an upstream licence expression is allowed by the policy. */
  licenceStatus?: (expr: string, policy: Policy) => 'allowed' | 'denied' | 'unknown';
  /** Today, for waiver expiry (YYYY-MM-DD); injectable for tests. */
  today?: string;
}

export interface Assessment {
  ratio: RatioBreakdown;
  gates: GateResult[];
  verdict: Verdict;
  summaries: FileSummary[];
  /** Findings with `details.counted` (false when waived, own lineage, or in an excluded file). */
  findings: Finding[];
  warnings: string[];
}

const matchers = new WeakMap<PathRule[], { rule: PathRule; ig: ReturnType<typeof ignore> }[]>();

/** The first path rule that matches, gitignore semantics (a pattern without a slash matches at any depth). */
export function excludedBy(rules: PathRule[], rel: string): PathRule | undefined {
  let m = matchers.get(rules);
  if (!m) matchers.set(rules, (m = rules.map((rule) => ({ rule, ig: ignore().add(rule.pattern) }))));
  for (const { rule, ig } of m) if (ig.ignores(rel)) return rule;
  return undefined;
}

/** Licence expression against the policy's allow and deny lists (SPDX semantics, LicenseRef- ids of our catalogue). */
export function policyLicenceStatus(expr: string, policy: Policy): 'allowed' | 'denied' | 'unknown' {
  return licenceAllowed(expr, policy.licences.allow, policy.licences.deny);
}

function levelToStatus(level: GateLevel): GateStatus {
  return level === 'fail' ? 'FAIL' : level === 'review' ? 'REVIEW' : 'PASS';
}

/** Caps a detector's status at what the policy allows that gate to do (e.g. weights: review under lenient). */
function capped(status: GateStatus, level: GateLevel): GateStatus {
  if (status === 'FAIL' || status === 'REVIEW') {
    const max = levelToStatus(level);
    if (max === 'PASS') return 'PASS';
    if (max === 'REVIEW') return 'REVIEW';
  }
  return status;
}

function share(map: Map<string, ProjectShare>, f: Finding, raw: number, weighted: number): void {
  const u = f.upstream;
  if (!u) return;
  const key = `${u.project}@${u.version}`;
  const s = map.get(key) ?? { project: u.project, version: u.version, category: u.category, licence: u.licence, tokens: 0, rawTokens: 0 };
  s.tokens += weighted;
  s.rawTokens += raw;
  map.set(key, s);
}

/**
 * Applies a policy to the evidence: path rules, waivers and own lineage, the code independence ratio with its
 * breakdown, every gate with its reason, and the verdict. Pure: same input, same output.
 */
export function assess(input: AssessInput): Assessment {
  const { policy } = input;
  const warnings: string[] = [];
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  const licenceStatus = input.licenceStatus ?? policyLicenceStatus;

  const excluded = new Map<string, string>();
  for (const f of input.files) {
    if (f.kind !== 'python' && f.kind !== 'notebook') continue;
    const rule = excludedBy(policy.exclude, f.path);
    if (rule) excluded.set(f.path, `${rule.reason} (rule '${rule.pattern}')`);
  }
  const waivers = new Map(policy.waivers.map((w) => [w.fingerprint, w]));
  const findings = input.findings.map((f) => {
    const details: Record<string, unknown> = { ...(f.details ?? {}) };
    let counted = true;
    const w = waivers.get(f.id);
    if (w) {
      if (w.expires && w.expires < today) warnings.push(`waiver for ${f.id} expired on ${w.expires}; the finding counts again`);
      else {
        counted = false;
        details.waived = { reason: w.reason, approvedBy: w.approvedBy, expires: w.expires, comment: w.comment };
      }
    }
    if (f.upstream && policy.ownLineage.projects.includes(f.upstream.project)) {
      counted = false;
      details.ownLineage = true;
    }
    if (excluded.has(f.file)) {
      counted = false;
      details.excluded = excluded.get(f.file);
    }
    details.counted = counted;
    return { ...f, details };
  });
  const counts = (f: Finding): boolean => f.details?.counted === true;

  // Copied mass per file from the detector's coverage, minus what waivers and own lineage take back.
  const uncountedCopy = new Map<string, number>();
  for (const f of findings) {
    if (f.kind === 'copied-code' && !counts(f) && !excluded.has(f.file)) uncountedCopy.set(f.file, (uncountedCopy.get(f.file) ?? 0) + (f.tokens ?? 0));
  }
  const coverage = new Map(input.coverage.map((c) => [c.path, c]));
  const largestCopy = new Map<string, Finding>();
  for (const f of findings) {
    if (f.kind !== 'copied-code') continue;
    const cur = largestCopy.get(f.file);
    if (!cur || (f.tokens ?? 0) > (cur.tokens ?? 0)) largestCopy.set(f.file, f);
  }
  const summaries: FileSummary[] = [];
  let totalTokens = 0, copiedRaw = 0, excludedTokens = 0, totalLines = 0, copiedLines = 0;
  for (const f of input.files) {
    if ((f.kind !== 'python' && f.kind !== 'notebook') || f.skipped || f.tokens === undefined) continue;
    const c = coverage.get(f.path);
    const copied = Math.max(0, (c?.copiedTokens ?? 0) - (uncountedCopy.get(f.path) ?? 0));
    // Lines shrink in proportion when part of the copy is waived: lines are shown beside tokens, tokens decide.
    const cLines = c && c.copiedTokens > 0 ? Math.round((c.copiedLines * copied) / c.copiedTokens) : 0;
    const ex = excluded.get(f.path);
    const top = largestCopy.get(f.path);
    summaries.push({
      path: f.path, kind: f.kind, tokens: f.tokens, codeLines: f.codeLines ?? 0, copiedTokens: copied, copiedLines: cLines, excluded: ex,
      topUpstream: top?.upstream ? `${top.upstream.project}@${top.upstream.version}` : undefined,
    });
    if (ex) {
      excludedTokens += f.tokens;
      continue;
    }
    totalTokens += f.tokens;
    totalLines += f.codeLines ?? 0;
    copiedRaw += copied;
    copiedLines += cLines;
  }

  const copiedBy = new Map<string, ProjectShare>();
  const importedBy = new Map<string, ProjectShare>();
  let copiedWeighted = 0;
  let importedWeighted = 0;
  const seenModules = new Set<string>();
  for (const f of findings) {
    if (!counts(f)) continue;
    const cat: Category = f.upstream?.category ?? f.category;
    if (f.kind === 'copied-code') {
      const w = policy.weights.copied[cat] * (f.tokens ?? 0);
      copiedWeighted += w;
      share(copiedBy, f, f.tokens ?? 0, w);
    } else if (f.kind === 'imported-code' && f.upstreamTokens) {
      const key = `${f.upstream?.pack}|${f.upstream?.module ?? f.upstream?.path}`;
      if (seenModules.has(key)) continue; // once per upstream module, however often it is imported
      seenModules.add(key);
      const w = policy.weights.imported[cat] * f.upstreamTokens;
      importedWeighted += w;
      share(importedBy, f, f.upstreamTokens, w);
    }
  }
  const own = totalTokens - copiedRaw;
  const borrowed = copiedWeighted + importedWeighted;
  const ratio: RatioBreakdown = {
    ratio: own + borrowed > 0 ? own / (own + borrowed) : null,
    ownTokens: own,
    borrowedTokens: borrowed,
    copiedTokens: copiedWeighted,
    importedTokens: importedWeighted,
    excludedTokens,
    totalTokens,
    ownLines: totalLines - copiedLines,
    copiedLines,
    totalLines,
    copiedByProject: [...copiedBy.values()].sort((a, b) => b.tokens - a.tokens),
    importedByProject: [...importedBy.values()].sort((a, b) => b.tokens - a.tokens),
  };

  const gates: GateResult[] = [];
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  if (ratio.ratio === null) {
    gates.push({ gate: 'ratio', status: 'NOT-CHECKED', reason: 'no countable Python code in the repository', findings: [] });
  } else {
    const ok = ratio.ratio >= policy.threshold;
    gates.push({
      gate: 'ratio',
      status: ok ? 'PASS' : 'FAIL',
      reason: `code independence ratio ${pct(ratio.ratio)} is ${ok ? 'at or above' : 'below'} the threshold ${pct(policy.threshold)}`,
      findings: ok ? [] : findings.filter((f) => counts(f) && (f.kind === 'copied-code' || f.kind === 'imported-code')).map((f) => f.id),
    });
  }

  for (const name of ['weights', 'tokenizer'] as GateName[]) {
    const g = input.detectorGates.find((x) => x.gate === name);
    const level = name === 'weights' ? policy.gates.weights : policy.gates.tokenizer;
    if (!g) gates.push({ gate: name, status: 'NOT-CHECKED', reason: `the ${name} detector did not run`, findings: [] });
    else {
      const status = capped(g.status, level);
      const reason = status === g.status ? g.reason : `${g.reason} (policy '${policy.name}' sets this gate to ${level})`;
      gates.push({ ...g, status, reason });
    }
  }

  // Licences: upstream code that counts must carry an allowed licence.
  const licenceFindings: string[] = [];
  let worst: GateStatus = 'PASS';
  const problems: string[] = [];
  const checked = new Set<string>();
  for (const f of findings) {
    // The borrowed findings carry their upstream's licence; the licence detector's 'upstream' findings restate them.
    // Reused weights and tokenizers (strong evidence only) are upstream data under a licence too.
    const borrowedData = (f.kind === 'weights' || f.kind === 'tokenizer') && (f.strength === 'conclusive' || f.strength === 'strong') && f.upstream !== undefined;
    const licence = ((f.kind === 'copied-code' || f.kind === 'imported-code') && counts(f)) || (borrowedData && counts(f)) ? f.upstream?.licence ?? 'unknown' : undefined;
    if (licence === undefined) continue;
    const project = f.upstream?.project ?? f.file;
    const status = licence === 'unknown' ? 'unknown' : licenceStatus(licence, policy);
    checked.add(`${project}: ${licence}`);
    if (status === 'allowed') continue;
    const s: GateStatus = status === 'denied' ? 'FAIL' : levelToStatus(policy.licences.unknown);
    if (s === 'PASS') continue;
    licenceFindings.push(f.id);
    const msg = `${project} is under ${licence} (${status === 'denied' ? 'denied by the policy' : 'not on the allow-list'})`;
    if (!problems.includes(msg)) problems.push(msg);
    if (s === 'FAIL' || worst === 'PASS') worst = s;
  }
  // A licence file or tag inside the repository under a licence the policy denies (say a model licence next to
  // weights) does not prove borrowing, but says something here came from elsewhere: review.
  for (const f of findings) {
    if (f.kind !== 'licence' || (f.details?.scope !== 'file' && f.details?.scope !== 'repository') || excluded.has(f.file)) continue;
    const licence = String(f.details?.licence ?? 'unknown');
    if (licence === 'unknown' || licenceStatus(licence, policy) !== 'denied') continue;
    licenceFindings.push(f.id);
    problems.push(`${f.file} declares ${licence}, which the policy denies: check what it covers`);
    if (worst === 'PASS') worst = 'REVIEW';
  }
  gates.push({
    gate: 'licences',
    status: worst,
    reason: problems.length ? problems.join('; ') : checked.size ? `every borrowed upstream has an allowed licence (${[...checked].join(', ')})` : 'no borrowed upstream code to check',
    findings: licenceFindings,
  });

  // Only strong hub evidence decides (a literal external id reaching a weight loader); a variable we could not
  // follow is shown, never a verdict on its own.
  const hub = findings.filter((f) => f.kind === 'hub-reference' && f.strength === 'strong' && f.details?.loadsWeights === true && f.details?.local !== true && !excluded.has(f.file) && f.details?.waived === undefined);
  if (hub.length === 0) {
    gates.push({ gate: 'hub-references', status: 'PASS', reason: 'no code loads external pretrained weights (outside excluded paths)', findings: [] });
  } else {
    const targets = [...new Set(hub.map((f) => String(f.details?.target ?? '?')))];
    gates.push({
      gate: 'hub-references',
      status: levelToStatus(policy.gates.hubReferences),
      reason: `${hub.length} place(s) load external pretrained weights: ${targets.slice(0, 5).join(', ')}${targets.length > 5 ? ', …' : ''}`,
      findings: hub.map((f) => f.id),
    });
  }

  const verdict: Verdict = gates.some((g) => g.status === 'FAIL') ? 'FAIL' : gates.some((g) => g.status === 'REVIEW') ? 'REVIEW' : 'PASS';
  return { ratio, gates, verdict, summaries, findings, warnings };
}

/** Exit code of a completed audit: 0 pass, 1 policy failure; REVIEW as the policy says. */
export function exitCodeFor(verdict: Verdict, policy: Policy): 0 | 1 {
  if (verdict === 'PASS') return 0;
  if (verdict === 'FAIL') return 1;
  return policy.gates.reviewExitCode;
}
