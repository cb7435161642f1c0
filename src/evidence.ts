// The single evidence model that flows one way: readers -> detectors -> policy -> reporters.
// Detectors only produce Findings and FileRecords; the policy reads only those; reporters read only the AuditResult.

/** Category of upstream code, as defined in POLICY.md; decides the weight a borrowed token has. */
export type Category = 'infrastructure' | 'model-implementation' | 'framework' | 'kernels' | 'unknown';

export const CATEGORIES: readonly Category[] = ['infrastructure', 'model-implementation', 'framework', 'kernels', 'unknown'];

/** How a finding was established; reports print it so a reviewer can judge the evidence. */
export type Method =
  | 'blob-sha1' // whole file, identical bytes (git blob id)
  | 'normalized-hash' // whole file, identical normalized token stream (renamed/reformatted copy)
  | 'winnowing' // snippet: k-gram fingerprints chained into fragments, extended at token level
  | 'import' // imported upstream symbol; mass of the defining module
  | 'manifest' // declared dependency
  | 'hub-reference' // code that loads external pretrained weights or tokenizers
  | 'licence-text' // licence file matched against licence texts
  | 'spdx-tag' // SPDX-License-Identifier tag or manifest field
  | 'weights-hash' // exact tensor / file hash
  | 'weights-statistical' // bit-equality rate, centred correlation with a null
  | 'weights-informational' // raw cosine, hyper-parameters, lineage: never decide a derivation (unreadable or unsafe files use it too, and put the gate under review)
  | 'tokenizer-vocabulary'
  | 'config-architecture'
  | 'git-history';

/** 1-based, inclusive line range. */
export interface LineRange {
  start: number;
  end: number;
}

/** What a finding points to upstream. Every field that the pack knows is filled, so a report can cite it. */
export interface UpstreamRef {
  project: string;
  version: string;
  commit?: string;
  remote?: string;
  path?: string;
  lines?: LineRange;
  licence?: string; // SPDX expression or LicenseRef-*
  category: Category;
  pack?: string; // pack id: project@version
  module?: string; // dotted Python module, for imports
  symbol?: string;
}

/** How strong a piece of evidence is. Only 'conclusive' and 'strong' may decide a FAIL on their own. */
export type Strength = 'conclusive' | 'strong' | 'moderate' | 'weak' | 'info';

export type FindingKind =
  | 'copied-code'
  | 'imported-code'
  | 'dependency'
  | 'hub-reference'
  | 'licence'
  | 'weights'
  | 'tokenizer'
  | 'config'
  | 'history'
  | 'read-error';

export interface Finding {
  /** Stable, content-based id (does not change when the code moves to other lines). */
  id: string;
  kind: FindingKind;
  /** Category of the upstream this finding points to; 'unknown' when none. */
  category: Category;
  /** Repository-relative path, forward slashes. */
  file: string;
  lines?: LineRange;
  upstream?: UpstreamRef;
  method: Method;
  /** 0..1: how sure we are that the finding is what it says. */
  confidence: number;
  strength: Strength;
  /** Code mass (significant tokens) of the repository that this finding covers; counted by the policy. */
  tokens?: number;
  /** Code mass attributed upstream (e.g. imported module mass); counted by the policy for imports. */
  upstreamTokens?: number;
  /** Parameters covered, for weights. */
  parameters?: number;
  /** One line a person can read. */
  message: string;
  /** Kind-specific figures (verbatim share, p-values, ...). Plain JSON values only. */
  details?: Record<string, unknown>;
}

/** What discovery decided about each file. */
export type FileKind = 'python' | 'notebook' | 'manifest' | 'config' | 'tokenizer' | 'weights' | 'licence' | 'other';

export interface FileRecord {
  path: string;
  kind: FileKind;
  bytes: number;
  /** Set when the file was not (fully) read; the report lists it with the reason. */
  skipped?: string;
  /** Non-fatal problems (syntax errors, invalid UTF-8 replaced, ...). */
  warnings?: string[];
  /** Code files only. */
  lines?: number;
  codeLines?: number;
  tokens?: number;
  blobSha1?: string;
  /** Content checksums of code files (SPDX needs SHA-1 of the content, not the git blob id). */
  sha1?: string;
  sha256?: string;
  /** Reason from the policy's path rules when the file does not count in the ratio. */
  excluded?: string;
}

export type GateName = 'ratio' | 'weights' | 'tokenizer' | 'licences' | 'hub-references';
export type GateStatus = 'PASS' | 'REVIEW' | 'FAIL' | 'NOT-CHECKED';
export type Verdict = 'PASS' | 'REVIEW' | 'FAIL';

export interface GateResult {
  gate: GateName;
  status: GateStatus;
  reason: string;
  /** What the gate compared against, e.g. "compared with 12 registered references: ...". */
  checkedAgainst?: string;
  /** Ids of the findings that decided the status. */
  findings: string[];
}

export interface ProjectShare {
  project: string;
  version: string;
  category: Category;
  licence?: string;
  tokens: number; // weighted tokens counted as borrowed
  rawTokens: number; // before category weights
}

export interface RatioBreakdown {
  /** own / (own + borrowed); null when there is no countable code. */
  ratio: number | null;
  ownTokens: number;
  borrowedTokens: number; // weighted
  copiedTokens: number; // weighted (weight 1 under every shipped policy)
  importedTokens: number; // weighted
  excludedTokens: number; // in files excluded by path rules
  totalTokens: number; // counted first-party files: own + raw copied
  ownLines: number;
  copiedLines: number;
  totalLines: number; // code lines in counted files
  copiedByProject: ProjectShare[];
  importedByProject: ProjectShare[];
}

export interface FileSummary {
  path: string;
  kind: FileKind;
  tokens: number;
  codeLines: number;
  copiedTokens: number;
  copiedLines: number;
  excluded?: string;
  /** Best single upstream for the file, for tables. */
  topUpstream?: string;
}

export interface PackInfo {
  id: string;
  project: string;
  version: string;
  commit?: string;
  remote?: string;
  licence?: string;
  category: Category;
  files: number;
  fingerprints: number;
  kind: 'code' | 'background' | 'weights' | 'tokenizer';
}

export interface AuditResult {
  schema: 'scratch-audit/result@1';
  tool: { name: 'scratch-audit'; version: string };
  createdAt: string; // ISO 8601, UTC
  commandLine: string[];
  environment: { node: string; platform: string; cpus: number };
  repository: { root: string; commit?: string; remote?: string; dirty?: boolean };
  parameters: Record<string, number | string | boolean>;
  policy: { name: string; sha256: string; threshold: number; text: string };
  packs: PackInfo[];
  files: FileRecord[];
  summaries: FileSummary[];
  findings: Finding[];
  ratio: RatioBreakdown;
  gates: GateResult[];
  verdict: Verdict;
  /** Problems that did not stop the audit (named file + problem). */
  warnings: string[];
  timings: Record<string, number>; // milliseconds
  /** Set in PR mode (`--since <ref>`, the Action's diff mode): the change against the merge base. */
  pr?: PrSummary;
}

/** A file changed between the merge base and the audited working tree (PR mode). */
export interface PrChangedFile {
  path: string; // repository-relative (relative to the audited root), forward slashes
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed' | 'untracked';
  from?: string; // old path of a rename or copy
  addedLines: number;
}

/**
 * PR mode: the audited tree (head) compared with the merge base of a ref and HEAD. "New borrowed code" is the
 * copied-code findings of the head whose content id is not among the base's findings and whose lines overlap
 * lines added since the merge base, so code that only moved is not new (see newBorrowed).
 */
export interface PrSummary {
  /** The ref given (`--since`, or the pull request's base commit). */
  base: string;
  mergeBase: string;
  /** HEAD commit of the audited checkout. */
  head?: string;
  /** What the merge base was compared with: the working tree as audited (committed, uncommitted and untracked files). */
  comparedWith: 'working-tree';
  /** True when the clone was shallow and had to be deepened to find the merge base. */
  deepened?: boolean;
  ratioBefore: number | null;
  ratioAfter: number | null;
  verdictBefore?: Verdict;
  changedFiles: PrChangedFile[];
  addedLines: number;
  /**
   * New copied-code fragments: content id not among the base's findings, lines overlapping added lines, and at least
   * 5 upstream lines that no base fragment of the same upstream file covers (a moved block re-cut by a line at its
   * edges is not new). Waived, own-lineage and excluded-path fragments are left out. Ids are listed once (the same
   * content pasted twice is one id); tokens and lines count every fragment.
   */
  newBorrowed: { findings: string[]; tokens: number; lines: number; files: string[] };
  /** New imported-code, hub-reference and weights findings (by content id), strength above info. */
  newFindings: string[];
  /** Ids of base findings (those kinds plus copied code) that the head no longer has (same rule as new, reversed). */
  removedFindings: string[];
}
