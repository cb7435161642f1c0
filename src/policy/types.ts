import type { Category } from '../evidence';

/** A path rule: files matching `pattern` (gitignore-style glob, repository-relative) do not count in the ratio. */
export interface PathRule {
  pattern: string;
  reason: string;
}

export type GateLevel = 'fail' | 'review' | 'pass';

export interface Waiver {
  /** Content fingerprint of the finding (Finding.id). */
  fingerprint: string;
  reason: string;
  approvedBy?: string;
  expires?: string; // YYYY-MM-DD
  comment?: string;
}

/** The effective policy after `extends` is resolved. Everything the assessment needs, nothing else. */
export interface Policy {
  name: string;
  /** Minimum code independence ratio, 0..1. */
  threshold: number;
  /** Weight of each borrowed token, per way of borrowing and upstream category. */
  weights: {
    copied: Record<Category, number>;
    imported: Record<Category, number>;
  };
  /** Files that do not count in the ratio (listed in the report with the reason). */
  exclude: PathRule[];
  licences: {
    allow: string[];
    deny: string[];
    unknown: GateLevel;
  };
  gates: {
    hubReferences: GateLevel;
    tokenizer: GateLevel;
    weights: GateLevel;
    /** Exit code for a REVIEW verdict (0 or 1). */
    reviewExitCode: 0 | 1;
  };
  /** The team's own earlier projects and checkpoints whose reuse is allowed. */
  ownLineage: { projects: string[]; sha256: string[] };
  waivers: Waiver[];
}

/** A policy as loaded: the effective values plus the text it came from, for the report and its hash. */
export interface LoadedPolicy {
  policy: Policy;
  /** The effective policy serialized canonically (what the sha256 is of). */
  text: string;
  sha256: string;
  source: string; // 'builtin:strict' or a file path
}
