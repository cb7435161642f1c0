// Licences: the repository's own (licence files, manifest fields, SPDX tags) and those of the upstream code that
// copied/imported findings point to. Identification is by key phrases from signatures/licences.json; anything we
// cannot identify is reported as 'unknown', never guessed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import parseSpdx from 'spdx-expression-parse';
import spdxSatisfies from 'spdx-satisfies';
import type { Category, Finding, Method } from '../evidence';
import { packageRoot } from '../util/package-root';
import type { DeclaredLicence } from './manifests';
import { baseName, dirOf, normPath, stableId } from './py-util';

export type LicenceKind = 'model' | 'code';

export interface LicenceDef {
  id: string;
  name: string;
  kind: LicenceKind;
  /** Alternative sets of normalized phrases; a set matches when all its phrases occur. */
  patterns: string[][];
  excludes?: string[];
  aliases?: string[];
}

export type LicenceScope = 'repository' | 'file' | 'upstream';
export type LicenceSource = 'licence-file' | 'manifest' | 'spdx-tag' | 'pack';

/** Lower case, every run of non-alphanumerics one space, padded so phrases match on word boundaries. */
export function normalizeLicenceText(text: string): string {
  return ' ' + text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim() + ' ';
}

let shipped: LicenceDef[] | undefined;

/** signatures/licences.json, phrases normalized once. */
export function licenceCatalogue(): LicenceDef[] {
  if (!shipped) {
    const raw = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'signatures', 'licences.json'), 'utf8')) as {
      licences: LicenceDef[];
    };
    shipped = raw.licences.map((l) => ({
      ...l,
      patterns: l.patterns.map((set) => set.map((p) => normalizeLicenceText(p).trim())),
      excludes: l.excludes?.map((p) => normalizeLicenceText(p).trim()),
      aliases: l.aliases?.map((p) => normalizeLicenceText(p).trim()),
    }));
  }
  return shipped;
}

const has = (text: string, phrase: string): boolean => text.includes(` ${phrase} `);

/** Licences whose key phrases a text contains (normalized first). Large files: the first 256 KiB is enough. */
export function matchLicenceText(text: string, defs: LicenceDef[] = licenceCatalogue()): LicenceDef[] {
  const norm = normalizeLicenceText(text.slice(0, 256 * 1024));
  return defs.filter(
    (d) => d.patterns.some((set) => set.every((p) => has(norm, p))) && !(d.excludes ?? []).some((p) => has(norm, p)),
  );
}

/** A valid SPDX expression (ids from the SPDX list, or LicenseRef-), else undefined. */
export function validSpdx(expr: string): string | undefined {
  const e = expr.trim();
  if (!e) return undefined;
  try {
    parseSpdx(e);
    return e;
  } catch {
    return undefined;
  }
}

/** A licence as written in a manifest: an SPDX expression, a known short name ("Apache 2.0"), else 'unknown'. */
export function identifyDeclaredLicence(value: string, defs: LicenceDef[] = licenceCatalogue()): string {
  const spdx = validSpdx(value);
  if (spdx) return spdx;
  const norm = normalizeLicenceText(value).trim();
  const alias = defs.find((d) => d.aliases?.includes(norm) || normalizeLicenceText(d.id).trim() === norm);
  if (alias) return alias.id;
  // A licence text pasted into the field.
  const matched = matchLicenceText(value, defs);
  return matched.length > 0 ? matched.map((d) => d.id).join(' AND ') : 'unknown';
}

// ---------------------------------------------------------------------------------------------------------------
// Policy check

type Ast = { license: string; plus?: boolean; exception?: string } | { left: Ast; conjunction: 'and' | 'or'; right: Ast };

/** Disjunctive normal form: a list of alternatives, each a list of licences that all apply. */
function dnf(ast: Ast): string[][] {
  if ('license' in ast) return [[`${ast.license}${ast.plus ? '+' : ''}${ast.exception ? ` WITH ${ast.exception}` : ''}`]];
  const l = dnf(ast.left);
  const r = dnf(ast.right);
  if (ast.conjunction === 'or') return [...l, ...r];
  const out: string[][] = [];
  for (const a of l) for (const b of r) out.push([...a, ...b]);
  return out;
}

function satisfiesAny(leaf: string, list: string[]): boolean {
  if (list.length === 0) return false;
  if (list.includes(leaf)) return true;
  try {
    return spdxSatisfies(leaf, list);
  } catch {
    return false;
  }
}

/**
 * Whether a licence expression is acceptable under allow/deny lists. 'allowed' when some alternative of the expression
 * uses only allowed licences (any not denied, when `allow` is empty) and none denied; 'unknown' when the expression is
 * 'unknown', not valid SPDX, or relies on a LicenseRef- we do not know (catalogue, allow or deny); else 'denied'
 * (allowlist semantics: a known licence that is not allowed is not allowed).
 */
export function licenceAllowed(expr: string, allow: string[], deny: string[]): 'allowed' | 'denied' | 'unknown' {
  const e = validSpdx(expr);
  if (!e || /^unknown$/i.test(e)) return 'unknown';
  let alternatives: string[][];
  try {
    alternatives = dnf(parseSpdx(e) as Ast);
  } catch {
    return 'unknown';
  }
  const knownRefs = new Set<string>([...knownLicenceRefs(), ...allow, ...deny].filter((x) => x.startsWith('LicenseRef-')));
  let sawUnknown = false;
  for (const alt of alternatives) {
    let status: 'allowed' | 'denied' | 'unknown' = 'allowed';
    for (const leaf of alt) {
      const id = leaf.split(' WITH ')[0];
      if (id.startsWith('LicenseRef-') && !knownRefs.has(id)) {
        if (status === 'allowed') status = 'unknown';
        continue;
      }
      if (satisfiesAny(leaf, deny) || deny.includes(id)) {
        status = 'denied';
        break;
      }
      if (allow.length > 0 && !satisfiesAny(leaf, allow) && !allow.includes(id)) status = status === 'unknown' ? 'unknown' : 'denied';
    }
    if (status === 'allowed') return 'allowed';
    if (status === 'unknown') sawUnknown = true;
  }
  return sawUnknown ? 'unknown' : 'denied';
}

function knownLicenceRefs(): string[] {
  try {
    return licenceCatalogue().map((d) => d.id);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Detection

/** LICENSE, LICENCE, COPYING, UNLICENSE with any suffix (LICENSE.md, LICENSE-MIT, COPYING.LESSER), and the texts
 * in a REUSE-style LICENSES/ folder; not code that happens to be named so (license_check.py). */
export function isLicenceFile(p: string): boolean {
  const n = normPath(p);
  const name = baseName(n);
  if (/\.(py|pyi|ipynb|js|ts|json|ya?ml|toml|cfg|sh|html?|c|cc|cpp|h|cu)$/i.test(name)) return false;
  if (/(^|\/)LICENSES\/[^/]+$/.test(n)) return true;
  return /^(un)?(licen[cs]es?|copying)([-._][\w.-]*)?$/i.test(name);
}

export interface LicenceInput {
  /** Licence files with their text. */
  licenceFiles: { path: string; text: string }[];
  /** Any text files to scan for SPDX-License-Identifier tags. */
  taggedFiles: { path: string; text: string }[];
  manifestLicences: DeclaredLicence[];
  /** Copied and imported findings; their upstream licences are reported once per upstream project and version. */
  upstreamFindings: Finding[];
}

const SPDX_TAG = /SPDX-License-Identifier:\s*([^\n\r]*)/g;
const MAX_FILES_LISTED = 50;

function licenceFinding(
  key: string,
  file: string,
  line: number | undefined,
  licence: string,
  scope: LicenceScope,
  source: LicenceSource,
  method: Method,
  message: string,
  extra: Record<string, unknown> = {},
  category: Category = 'unknown',
): Finding {
  const known = licence !== 'unknown';
  return {
    id: stableId('lic', key),
    kind: 'licence',
    category,
    file,
    lines: line ? { start: line, end: line } : undefined,
    method,
    confidence: known ? 1 : 0.5,
    // Upstream licences decide the licences gate; the repository's own are context.
    strength: scope === 'upstream' ? 'strong' : 'info',
    message,
    details: { licence, scope, source, ...extra },
  };
}

export function detectLicences(input: LicenceInput, defs: LicenceDef[] = licenceCatalogue()): Finding[] {
  const findings: Finding[] = [];

  for (const f of input.licenceFiles) {
    const file = normPath(f.path);
    const matched = matchLicenceText(f.text, defs);
    const licence = matched.length > 0 ? matched.map((d) => d.id).join(' AND ') : 'unknown';
    // NOTICE files carry attributions, not licence texts: report them only when they name a licence we know.
    if (licence === 'unknown' && /^notice/i.test(baseName(file))) continue;
    const scope: LicenceScope = dirOf(file) === '' ? 'repository' : 'file';
    findings.push(
      licenceFinding(
        `file|${file}`,
        file,
        undefined,
        licence,
        scope,
        'licence-file',
        'licence-text',
        licence === 'unknown'
          ? `${file}: licence text not identified`
          : `${file}: ${matched.map((d) => d.name).join(' + ')}${matched.some((d) => d.kind === 'model') ? ' (model licence)' : ''}`,
        { kinds: matched.map((d) => d.kind), ...(scope === 'file' ? { covers: dirOf(file) } : {}) },
      ),
    );
  }

  for (const m of input.manifestLicences) {
    const file = normPath(m.file);
    const licence = identifyDeclaredLicence(m.licence, defs);
    findings.push(
      licenceFinding(
        `manifest|${file}|${m.licence}`,
        file,
        m.line,
        licence,
        dirOf(file) === '' ? 'repository' : 'file',
        'manifest',
        'spdx-tag',
        `${file} declares licence ${JSON.stringify(m.licence)}${licence !== m.licence ? ` (${licence})` : ''}`,
        { declared: m.licence },
      ),
    );
  }

  // SPDX tags: one finding per distinct expression, listing the files that carry it.
  const tags = new Map<string, { raw: string; licence: string; files: string[]; count: number; first: { file: string; line: number } }>();
  for (const f of input.taggedFiles) {
    if (!f.text.includes('SPDX-License-Identifier')) continue;
    const file = normPath(f.path);
    const seen = new Set<string>();
    for (const m of f.text.matchAll(SPDX_TAG)) {
      const raw = m[1].replace(/\s*(\*\/|-->|#\}|"""|''').*$/, '').trim();
      if (seen.has(raw)) continue;
      seen.add(raw);
      const licence = validSpdx(raw) ?? 'unknown';
      const key = `${raw}`;
      let t = tags.get(key);
      if (!t) {
        const line = f.text.slice(0, m.index).split('\n').length;
        tags.set(key, (t = { raw, licence, files: [], count: 0, first: { file, line } }));
      }
      t.count++;
      if (t.files.length < MAX_FILES_LISTED) t.files.push(file);
    }
  }
  for (const t of tags.values()) {
    findings.push(
      licenceFinding(
        `tag|${t.raw}`,
        t.first.file,
        t.first.line,
        t.licence,
        'file',
        'spdx-tag',
        'spdx-tag',
        `SPDX-License-Identifier ${JSON.stringify(t.raw)} in ${t.count} file(s)${t.licence === 'unknown' ? ' (not a valid SPDX expression)' : ''}`,
        { declared: t.raw, files: t.files, fileCount: t.count },
      ),
    );
  }

  // Upstream licences, once per project and version.
  const upstream = new Map<string, { licence: string; category: Category; file: string; line?: number; ids: string[]; project: string; version: string; kinds: Set<string> }>();
  for (const f of input.upstreamFindings) {
    if ((f.kind !== 'copied-code' && f.kind !== 'imported-code') || !f.upstream || f.details?.summary) continue;
    const u = f.upstream;
    const key = `${u.project}@${u.version}`;
    let e = upstream.get(key);
    if (!e) {
      const licence = u.licence ? validSpdx(u.licence) ?? 'unknown' : 'unknown';
      upstream.set(key, (e = { licence, category: u.category, file: f.file, line: f.lines?.start, ids: [], project: u.project, version: u.version, kinds: new Set() }));
    }
    e.kinds.add(f.kind);
    if (e.ids.length < MAX_FILES_LISTED) e.ids.push(f.id);
  }
  for (const e of upstream.values()) {
    findings.push(
      licenceFinding(
        `upstream|${e.project}@${e.version}`,
        e.file,
        e.line,
        e.licence,
        'upstream',
        'pack',
        'spdx-tag',
        `${[...e.kinds].join(' and ')} from ${e.project}${e.version && e.version !== 'unknown' ? ' ' + e.version : ''} under ${e.licence === 'unknown' ? 'an unknown licence' : e.licence}`,
        { project: e.project, version: e.version, findings: e.ids },
        e.category,
      ),
    );
  }
  return findings;
}
