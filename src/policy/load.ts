import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CATEGORIES, type Category } from '../evidence';
import { packageRoot } from '../util/package-root';
import type { GateLevel, LoadedPolicy, PathRule, Policy, Waiver } from './types';

export class PolicyError extends Error {}

const BUILTINS = ['strict', 'lenient'];

function builtinFile(name: string): string {
  return path.join(packageRoot(), 'src', 'policy', 'builtin', `${name}.yaml`);
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge `over` onto `base`: objects merge key by key, arrays and scalars replace. */
function merge(base: unknown, over: unknown): unknown {
  if (isObject(base) && isObject(over)) {
    const out: Raw = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function readRaw(source: string, seen: string[]): Raw {
  const file = BUILTINS.includes(source) ? builtinFile(source) : path.resolve(source);
  if (seen.includes(file)) throw new PolicyError(`${file}: 'extends' forms a cycle (${[...seen, file].join(' -> ')})`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyError(`${source}: cannot read policy (${(e as Error).message}); built-in policies are ${BUILTINS.join(', ')}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PolicyError(`${file}: invalid YAML: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new PolicyError(`${file}: a policy must be a YAML mapping`);
  checkKeys(doc, SCHEMA, file, '');
  if (doc.extends !== undefined) {
    if (typeof doc.extends !== 'string') throw new PolicyError(`${file}: extends must be a policy name or file`);
    const parentSource = BUILTINS.includes(doc.extends) ? doc.extends : path.resolve(path.dirname(file), doc.extends);
    const parent = readRaw(parentSource, [...seen, file]);
    const { extends: _drop, ...rest } = doc;
    return merge(parent, rest) as Raw;
  }
  return doc;
}

// The allowed keys, as a tree; '*' means any key (a map). Unknown keys are errors, so a typo cannot weaken a gate.
type Schema = { [key: string]: Schema | true };
const CATEGORY_MAP: Schema = Object.fromEntries(CATEGORIES.map((c) => [c, true]));
const SCHEMA: Schema = {
  version: true,
  name: true,
  extends: true,
  threshold: true,
  weights: { copied: CATEGORY_MAP, imported: CATEGORY_MAP },
  exclude: true,
  licences: { allow: true, deny: true, unknown: true },
  gates: { 'hub-references': true, tokenizer: true, weights: true, 'review-exit-code': true },
  'own-lineage': { projects: true, sha256: true },
  waivers: true,
};

function checkKeys(obj: Raw, schema: Schema, file: string, at: string): void {
  for (const [k, v] of Object.entries(obj)) {
    const sub = schema[k];
    const where = at ? `${at}.${k}` : k;
    if (sub === undefined) throw new PolicyError(`${file}: unknown key '${where}' (allowed here: ${Object.keys(schema).join(', ')})`);
    if (sub !== true) {
      if (!isObject(v)) throw new PolicyError(`${file}: '${where}' must be a mapping`);
      checkKeys(v, sub, file, where);
    }
  }
}

function num(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new PolicyError(`${where} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function level(v: unknown, where: string): GateLevel {
  if (v === 'fail' || v === 'review' || v === 'pass') return v;
  throw new PolicyError(`${where} must be one of fail, review, pass; got ${JSON.stringify(v)}`);
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new PolicyError(`${where} must be a list of strings`);
  return v as string[];
}

function categoryWeights(v: unknown, where: string): Record<Category, number> {
  const o = isObject(v) ? v : {};
  const out = {} as Record<Category, number>;
  for (const c of CATEGORIES) {
    if (o[c] === undefined) throw new PolicyError(`${where}.${c} is missing`);
    out[c] = num(o[c], `${where}.${c}`, 0, 1);
  }
  return out;
}

function pathRules(v: unknown, where: string): PathRule[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new PolicyError(`${where} must be a list of {pattern, reason}`);
  return v.map((r, i) => {
    if (!isObject(r) || typeof r.pattern !== 'string' || typeof r.reason !== 'string' || Object.keys(r).some((k) => k !== 'pattern' && k !== 'reason')) {
      throw new PolicyError(`${where}[${i}] must be {pattern: string, reason: string}`);
    }
    return { pattern: r.pattern, reason: r.reason };
  });
}

function waivers(v: unknown, where: string): Waiver[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new PolicyError(`${where} must be a list`);
  const allowed = ['fingerprint', 'reason', 'approved-by', 'expires', 'comment'];
  return v.map((w, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(w)) throw new PolicyError(`${at} must be a mapping`);
    for (const k of Object.keys(w)) if (!allowed.includes(k)) throw new PolicyError(`${at}: unknown key '${k}' (allowed: ${allowed.join(', ')})`);
    if (typeof w.fingerprint !== 'string' || typeof w.reason !== 'string') throw new PolicyError(`${at} needs fingerprint and reason`);
    const expires = w.expires instanceof Date ? w.expires.toISOString().slice(0, 10) : w.expires;
    if (expires !== undefined && (typeof expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(expires))) {
      throw new PolicyError(`${at}.expires must be a date YYYY-MM-DD`);
    }
    return {
      fingerprint: w.fingerprint,
      reason: w.reason,
      approvedBy: typeof w['approved-by'] === 'string' ? w['approved-by'] : undefined,
      expires: expires as string | undefined,
      comment: typeof w.comment === 'string' ? w.comment : undefined,
    };
  });
}

/** Validates a merged raw policy and builds the effective Policy. Errors name the source and the key path. */
export function toPolicy(raw: Raw, source: string): Policy {
  try {
    const w = isObject(raw.weights) ? raw.weights : {};
    const lic = isObject(raw.licences) ? raw.licences : {};
    const gates = isObject(raw.gates) ? raw.gates : {};
    const lineage = isObject(raw['own-lineage']) ? raw['own-lineage'] : {};
    const reviewExit = gates['review-exit-code'] ?? 1;
    if (reviewExit !== 0 && reviewExit !== 1) throw new PolicyError(`gates.review-exit-code must be 0 or 1`);
    if (typeof raw.name !== 'string') throw new PolicyError(`name must be a string`);
    return {
      name: raw.name,
      threshold: num(raw.threshold, 'threshold', 0, 1),
      weights: { copied: categoryWeights(w.copied, 'weights.copied'), imported: categoryWeights(w.imported, 'weights.imported') },
      exclude: pathRules(raw.exclude, 'exclude'),
      licences: { allow: strings(lic.allow, 'licences.allow'), deny: strings(lic.deny, 'licences.deny'), unknown: level(lic.unknown ?? 'fail', 'licences.unknown') },
      gates: {
        hubReferences: level(gates['hub-references'] ?? 'review', 'gates.hub-references'),
        tokenizer: level(gates.tokenizer ?? 'review', 'gates.tokenizer'),
        weights: level(gates.weights ?? 'fail', 'gates.weights'),
        reviewExitCode: reviewExit,
      },
      ownLineage: { projects: strings(lineage.projects, 'own-lineage.projects'), sha256: strings(lineage.sha256, 'own-lineage.sha256') },
      waivers: waivers(raw.waivers, 'waivers'),
    };
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Canonical JSON: keys sorted, so the same effective policy always has the same hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Loads a built-in policy by name or a policy file by path, resolving `extends`. */
export function loadPolicy(nameOrFile = 'strict'): LoadedPolicy {
  const raw = readRaw(nameOrFile, []);
  const source = BUILTINS.includes(nameOrFile) ? `builtin:${nameOrFile}` : path.resolve(nameOrFile);
  const policy = toPolicy(raw, source);
  const text = canonical(policy);
  return { policy, text, sha256: createHash('sha256').update(text).digest('hex'), source };
}
