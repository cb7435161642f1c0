// Tokenizer detector: public API. Reads the repository's tokenizer files, compares each with the registered
// reference signatures, and decides the 'tokenizer' gate (POLICY.md: REVIEW when derived or identical).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord, Finding, GateResult, Strength } from '../evidence';
import { packageRoot } from '../util/package-root';
import { compareWithSignature } from './compare';
import { isTokenizerFileName, readTokenizerFile, readVocabulary, TokenizerReadError } from './read';
import { indexVocabulary, signatureFromVocabulary, validateSignature, type SignatureOptions } from './signature';
import type { Relation, TokenizerComparison, TokenizerSignature, Vocabulary } from './types';

export type { Relation, TokenizerComparison, TokenizerSignature, Vocabulary } from './types';
export { THRESHOLDS, compareWithSignature, classify } from './compare';
export { readTokenizerFile, readVocabulary, isTokenizerFileName, TokenizerReadError } from './read';
export { indexVocabulary, signatureFromVocabulary } from './signature';

export const SIGNATURE_SUFFIX = '.tokenizer.json';

/** Where the committed reference signatures live. */
export function defaultTokenizerSignaturesDir(): string {
  return path.join(packageRoot(), 'signatures', 'tokenizers');
}

/** Reads every `*.tokenizer.json` in a folder (sorted by name); a missing folder holds none. Throws on a broken one. */
export function loadTokenizerSignatures(dir: string): TokenizerSignature[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SIGNATURE_SUFFIX))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        return validateSignature(JSON.parse(fs.readFileSync(file, 'utf8')));
      } catch (e) {
        throw new Error(`${file}: invalid tokenizer signature (${(e as Error).message})`);
      }
    });
}

/** Builds the signature of one tokenizer file (tokenizer.json, .model, .tiktoken, vocab.json). */
export function buildTokenizerSignature(file: string, opts: Omit<SignatureOptions, 'tokenSample' | 'mergeSample' | 'files'>): TokenizerSignature {
  return signatureFromVocabulary(readVocabulary(file), opts);
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** CLI entry: writes `<out>/<name>.tokenizer.json`; returns its path and size. */
export function runBuildTokenizer(file: string, opts: { name: string; out: string; version?: string; licence?: string; source?: string }): { path: string; bytes: number; signature: TokenizerSignature } {
  if (!SAFE_NAME.test(opts.name)) throw new Error(`invalid signature name ${JSON.stringify(opts.name)}: use letters, digits, '.', '_' or '-'`);
  const signature = buildTokenizerSignature(file, { name: opts.name, version: opts.version, licence: opts.licence, source: opts.source ?? path.basename(file) });
  return { ...writeSignature(signature, opts.out), signature };
}

export function writeSignature(signature: TokenizerSignature, outDir: string): { path: string; bytes: number } {
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${signature.name}${SIGNATURE_SUFFIX}`);
  const text = JSON.stringify(signature, null, 1) + '\n';
  fs.writeFileSync(out, text);
  return { path: out, bytes: Buffer.byteLength(text) };
}

const STRENGTH: Record<Relation, Strength> = { identical: 'conclusive', derived: 'strong', 're-indexed': 'moderate', informational: 'info' };
const CONFIDENCE: Record<Relation, number> = { identical: 1, derived: 0.95, 're-indexed': 0.7, informational: 0.2 };
/** An informational finding is reported only above this overlap (independent BPEs overlap 50–86%). */
const INFO_MIN_CONTAINMENT = 0.5;

function findingId(file: string, ref: string, relation: Relation, contentHash: string): string {
  return 'tokenizer-' + createHash('sha256').update(`${file}\0${ref}\0${relation}\0${contentHash}`).digest('hex').slice(0, 16);
}

function describe(relation: Relation, ref: TokenizerSignature): string {
  switch (relation) {
    case 'identical':
      return `tokenizer identical to ${ref.name}`;
    case 'derived':
      return `tokenizer vocabulary derived from ${ref.name}`;
    case 're-indexed':
      return `tokenizer holds the ${ref.name} vocabulary with other ids (re-indexed)`;
    default:
      return `tokenizer vocabulary overlaps ${ref.name} (informational)`;
  }
}

function makeFinding(file: string, ref: TokenizerSignature, c: TokenizerComparison, vocab: Vocabulary, contentHash: string): Finding {
  return {
    id: findingId(file, ref.name, c.relation, contentHash),
    kind: 'tokenizer',
    category: 'model-implementation',
    file,
    upstream: { project: ref.name, version: ref.version, category: 'model-implementation', ...(ref.licence ? { licence: ref.licence } : {}) },
    method: 'tokenizer-vocabulary',
    confidence: CONFIDENCE[c.relation],
    strength: STRENGTH[c.relation],
    message: `${describe(c.relation, ref)}: ${c.reason}`,
    details: { ...c, candidate: { format: vocab.format, style: vocab.style, regular: c.candidateSize, added: vocab.added.length, merges: vocab.merges.length, breadcrumbs: vocab.breadcrumbs } } as Record<string, unknown>,
  };
}

function lfsFinding(file: string, ref: TokenizerSignature, sha: string): Finding {
  return {
    id: findingId(file, ref.name, 'identical', sha),
    kind: 'tokenizer',
    category: 'model-implementation',
    file,
    upstream: { project: ref.name, version: ref.version, category: 'model-implementation', ...(ref.licence ? { licence: ref.licence } : {}) },
    method: 'tokenizer-vocabulary',
    confidence: 1,
    strength: 'conclusive',
    message: `tokenizer identical to ${ref.name}: its Git LFS oid equals the reference file's SHA-256`,
    details: { relation: 'identical', lfsOid: sha },
  };
}

/**
 * Repository tokenizer files to read, chosen by name (discovery's 'tokenizer' kind also covers configs such as
 * tokenizer_config.json, which hold no vocabulary). merges.txt is read together with its vocab.json.
 */
function tokenizerFiles(files: FileRecord[]): FileRecord[] {
  return files.filter((f) => isTokenizerFileName(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function detectTokenizers(root: string, files: FileRecord[], references: TokenizerSignature[]): Promise<{ findings: Finding[]; gate: GateResult; warnings: string[] }> {
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const candidates = tokenizerFiles(files);
  const names = references.map((r) => r.name);
  const checkedAgainst = `compared with ${references.length} registered references: ${names.join(', ') || 'none'}`;
  const gate = (status: GateResult['status'], reason: string, ids: string[] = []): GateResult => ({ gate: 'tokenizer', status, reason, checkedAgainst, findings: ids });

  if (candidates.length === 0) {
    // Discovery may still have classified config files (tokenizer_config.json, ...) as 'tokenizer': no vocabulary there.
    return { findings, gate: gate('NOT-CHECKED', 'no tokenizer vocabulary file in the repository'), warnings };
  }
  let compared = 0;
  for (const f of candidates) {
    const abs = path.join(root, f.path);
    let read;
    try {
      read = readTokenizerFile(abs);
    } catch (e) {
      const problem = e instanceof TokenizerReadError ? e.problem : (e as Error).message;
      warnings.push(`${f.path}: tokenizer not read: ${problem}`);
      continue;
    }
    if (read.kind === 'lfs-pointer') {
      const hits = references.filter((r) => r.files.some((h) => h.sha256 === read.sha256));
      hits.forEach((r) => findings.push(lfsFinding(f.path, r, read.sha256)));
      if (hits.length) compared++;
      else warnings.push(`${f.path}: Git LFS pointer; only its oid was compared (no match), the vocabulary was not available`);
      continue;
    }
    const vocab = read.vocab;
    vocab.warnings.slice(0, 5).forEach((w) => warnings.push(`${f.path}: ${w}`));
    const ix = indexVocabulary(vocab);
    compared++;
    const results = references.map((r) => ({ ref: r, cmp: compareWithSignature(ix, r) }));
    const notable = results.filter((x) => x.cmp.relation !== 'informational');
    notable.forEach((x) => findings.push(makeFinding(f.path, x.ref, x.cmp, vocab, ix.hashes.vocab)));
    if (!notable.length) {
      const best = results.sort((a, b) => b.cmp.containment - a.cmp.containment)[0];
      if (best && best.cmp.containment >= INFO_MIN_CONTAINMENT) findings.push(makeFinding(f.path, best.ref, best.cmp, vocab, ix.hashes.vocab));
    }
  }

  if (references.length === 0) return { findings, gate: gate('NOT-CHECKED', 'no registered reference tokenizers to compare with'), warnings };
  if (compared === 0) return { findings, gate: gate('NOT-CHECKED', `none of the ${candidates.length} tokenizer files could be read (see warnings)`), warnings };

  // Conclusive (identical) first, so the reason leads with the strongest evidence.
  // A PASS must not hide a tokenizer that could not be compared.
  const unread = candidates.length - compared;
  const unreadNote = unread ? `; ${unread} of ${candidates.length} tokenizer files not compared (see warnings)` : '';
  const deciding = findings.filter((x) => x.strength === 'conclusive').concat(findings.filter((x) => x.strength === 'strong'));
  if (deciding.length) {
    const what = deciding.map((x) => `${x.file} ${x.strength === 'conclusive' ? 'identical to' : 'derived from'} ${x.upstream?.project}`);
    return { findings, gate: gate('REVIEW', `tokenizer reused: ${[...new Set(what)].join('; ')}${unreadNote}`, deciding.map((x) => x.id)), warnings };
  }
  // A reference vocabulary copied whole with its ids shuffled is still a reused tokenizer: shuffling must not be a
  // way around review, so it goes to review too (stated as re-indexed, a weaker finding than derived).
  const reindexed = findings.filter((x) => x.strength === 'moderate');
  if (reindexed.length) {
    const what = reindexed.map((x) => `${x.file} re-indexed copy of ${x.upstream?.project} (ids not preserved)`);
    return { findings, gate: gate('REVIEW', `tokenizer reused: ${[...new Set(what)].join('; ')}${unreadNote}`, reindexed.map((x) => x.id)), warnings };
  }
  return { findings, gate: gate('PASS', `no tokenizer derived from a registered reference (vocabulary overlap alone is informational)${unreadNote}`), warnings };
}
