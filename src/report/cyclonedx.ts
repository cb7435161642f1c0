// CycloneDX 1.6 JSON: the BOM skeleton (components, licences, references, dependencies) is built with
// @cyclonedx/cyclonedx-library; evidence (identity + occurrences), pedigree and compositions are added to the
// serialized JSON afterwards, because the library has no model for them.
import { Enums, Models, SPDX, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import type { AuditResult, Finding, Method, UpstreamRef } from '../evidence';
import { canonicalJson, locationText, parseRemote, projectId, rangeText, repositoryName, sha256Hex, upstreamPurl, upstreamText, upstreamUrl, uuidFromHex } from './common';
import { normaliseLicence } from './licences';

export interface CycloneDxOptions {
  /** Pretty-print (default true). */
  pretty?: boolean;
}

type Json = Record<string, unknown>;

/** CycloneDX identity techniques for our methods. */
const TECHNIQUE: Record<Method, string> = {
  'blob-sha1': 'hash-comparison',
  'normalized-hash': 'hash-comparison',
  winnowing: 'ast-fingerprint',
  import: 'source-code-analysis',
  manifest: 'manifest-analysis',
  'hub-reference': 'source-code-analysis',
  'licence-text': 'source-code-analysis',
  'spdx-tag': 'source-code-analysis',
  'weights-hash': 'hash-comparison',
  'weights-statistical': 'binary-analysis',
  'weights-informational': 'other',
  'tokenizer-vocabulary': 'binary-analysis',
  'config-architecture': 'manifest-analysis',
  'git-history': 'other',
};

const CODE_KINDS = new Set(['copied-code', 'imported-code', 'dependency', 'history', 'config']);
const MODEL_KINDS = new Set(['hub-reference', 'tokenizer']);

function cdxLicence(raw: string | undefined): Models.License | undefined {
  const l = normaliseLicence(raw);
  if (!l) return undefined;
  if (!l.converted && l.expression === l.ids[0] && SPDX.isSupportedSpdxId(l.expression)) return new Models.SpdxLicense(l.expression);
  if (!l.converted) return new Models.LicenseExpression(l.expression); // compound, or a LicenseRef-*
  return new Models.NamedLicense(l.raw);
}

function vcsRef(remote: string | undefined): Models.ExternalReference | undefined {
  const r = parseRemote(remote);
  if (!r) return undefined;
  const type = r.host === 'huggingface.co' ? Enums.ExternalReferenceType.Distribution : Enums.ExternalReferenceType.VCS;
  return new Models.ExternalReference(`https://${r.host}/${r.owner}/${r.repo}`, type);
}

function prop(name: string, value: unknown): Models.Property {
  return new Models.Property(`scratch-audit:${name}`, typeof value === 'string' ? value : JSON.stringify(value));
}

interface Group {
  ref: string;
  kind: 'code' | 'model' | 'weights';
  upstream: UpstreamRef;
  findings: Finding[];
  /** For weights: the repository file. */
  file?: string;
}

/** Findings grouped by the component they describe: upstream code project, upstream model, or a weights file. */
function groupFindings(result: AuditResult): Group[] {
  const groups = new Map<string, Group>();
  for (const f of result.findings) {
    if (!f.upstream) continue;
    let key: string;
    let kind: Group['kind'];
    if (f.kind === 'weights') {
      key = `weights:${f.file}`;
      kind = 'weights';
    } else if (MODEL_KINDS.has(f.kind)) {
      key = `model:${projectId(f.upstream)}`;
      kind = 'model';
    } else if (CODE_KINDS.has(f.kind)) {
      key = `upstream:${projectId(f.upstream)}`;
      kind = 'code';
    } else continue;
    const g = groups.get(key) ?? { ref: key, kind, upstream: f.upstream, findings: [], file: kind === 'weights' ? f.file : undefined };
    // Keep the reference that knows the most for the component's own fields.
    if (!g.upstream.commit && f.upstream.commit) g.upstream = { ...g.upstream, commit: f.upstream.commit, remote: f.upstream.remote ?? g.upstream.remote };
    if (!g.upstream.remote && f.upstream.remote) g.upstream = { ...g.upstream, remote: f.upstream.remote };
    if (!g.upstream.licence && f.upstream.licence) g.upstream = { ...g.upstream, licence: f.upstream.licence };
    g.findings.push(f);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.ref.localeCompare(b.ref));
}

function occurrence(f: Finding): Json {
  const up = f.upstream ? ` ↔ ${upstreamText(f.upstream)}` : '';
  const mass = f.tokens !== undefined ? `, ${f.tokens} tokens` : f.upstreamTokens !== undefined ? `, ${f.upstreamTokens} upstream tokens` : '';
  return {
    location: f.file,
    ...(f.lines ? { line: f.lines.start } : {}),
    ...(f.kind === 'imported-code' && f.upstream?.symbol ? { symbol: f.upstream.symbol } : {}),
    additionalContext: `${f.kind}${f.lines ? ` ${f.lines.start === f.lines.end ? 'line' : 'lines'} ${rangeText(f.lines)}` : ''}${up} (${f.method}, ${f.strength}, confidence ${f.confidence}${mass}; finding ${f.id}): ${f.message}`,
  };
}

/** identity[]: one entry for the field we conclude, with one method per technique and its best confidence. */
function identity(g: Group, findings: Finding[]): Json[] {
  if (findings.length === 0) return [];
  const purl = upstreamPurl(g.upstream);
  const byTechnique = new Map<string, { confidence: number; methods: Set<string>; n: number }>();
  for (const f of findings) {
    const t = TECHNIQUE[f.method] ?? 'other';
    const e = byTechnique.get(t) ?? { confidence: 0, methods: new Set<string>(), n: 0 };
    e.confidence = Math.max(e.confidence, f.confidence);
    e.methods.add(f.method);
    e.n++;
    byTechnique.set(t, e);
  }
  const methods = [...byTechnique.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([technique, e]) => ({
      technique,
      confidence: Math.min(1, Math.max(0, e.confidence)),
      value: `${e.n} finding${e.n === 1 ? '' : 's'} by ${[...e.methods].sort().join(', ')}`,
    }));
  return [
    {
      field: purl ? 'purl' : 'name',
      confidence: Math.min(1, Math.max(...methods.map((m) => m.confidence))),
      concludedValue: purl ?? g.upstream.project,
      methods,
    },
  ];
}

function pedigreeNotes(g: Group): string {
  const copied = g.findings.filter((f) => f.kind === 'copied-code');
  const imported = g.findings.filter((f) => f.kind === 'imported-code');
  const parts: string[] = [];
  if (copied.length) {
    const tokens = copied.reduce((s, f) => s + (f.tokens ?? 0), 0);
    parts.push(`Copied into the repository: ${copied.length} fragment${copied.length === 1 ? '' : 's'}, ${tokens} tokens (${copied.map((f) => locationText(f.file, f.lines)).join(', ')}).`);
  }
  if (imported.length) {
    const modules = [...new Set(imported.map((f) => f.upstream?.module ?? f.upstream?.path ?? '?'))];
    parts.push(`Imported by the repository: ${modules.join(', ')}.`);
  }
  for (const f of g.findings.filter((x) => !['copied-code', 'imported-code'].includes(x.kind))) {
    parts.push(`${f.kind} (${f.strength}${f.strength === 'info' || f.strength === 'weak' ? ', informational only' : ''}): ${f.message}.`);
  }
  if (g.upstream.commit) parts.push(`Upstream commit ${g.upstream.commit}.`);
  return parts.join(' ');
}

function upstreamComponent(g: Group): Models.Component {
  const u = g.upstream;
  const type =
    g.kind === 'code'
      ? u.category === 'framework'
        ? Enums.ComponentType.Framework
        : Enums.ComponentType.Library
      : Enums.ComponentType.MachineLearningModel;
  const c = new Models.Component(type, u.project, {
    bomRef: g.ref,
    version: u.version || undefined,
    purl: upstreamPurl(u),
    description: g.kind === 'model' ? 'External model referenced by the repository (hub reference or tokenizer).' : `Upstream ${u.category} code.`,
  });
  const lic = cdxLicence(u.licence);
  if (lic) c.licenses.add(lic);
  const vcs = vcsRef(u.remote);
  if (vcs) c.externalReferences.add(vcs);
  c.properties.add(prop('category', u.category));
  if (u.pack) c.properties.add(prop('pack', u.pack));
  const tokens = g.findings.reduce((s, f) => s + (f.kind === 'copied-code' ? (f.tokens ?? 0) : 0), 0);
  if (tokens) c.properties.add(prop('copiedTokens', String(tokens)));
  return c;
}

/** A weights file of the repository, as a model component whose origin is what the weights findings say. */
function weightsComponent(g: Group): Models.Component {
  const c = new Models.Component(Enums.ComponentType.MachineLearningModel, g.file!, {
    bomRef: g.ref,
    description: 'Model weights in the audited repository; pedigree states what was found about their origin.',
  });
  const params = Math.max(0, ...g.findings.map((f) => f.parameters ?? 0));
  if (params) c.properties.add(prop('parametersCovered', String(params)));
  c.properties.add(prop('strongestEvidence', g.findings.map((f) => f.strength).sort((a, b) => rank(a) - rank(b))[0]));
  return c;
}

function rank(s: string): number {
  return ['conclusive', 'strong', 'moderate', 'weak', 'info'].indexOf(s);
}

/** The ancestor model of a weights file, as a nested component (no bom-ref: it may also appear elsewhere). */
function ancestorJson(u: UpstreamRef): Json {
  const purl = upstreamPurl(u);
  const lic = normaliseLicence(u.licence);
  const url = parseRemote(u.remote);
  return {
    type: 'machine-learning-model',
    name: u.project,
    ...(u.version ? { version: u.version } : {}),
    ...(lic ? { licenses: !lic.converted && lic.expression === lic.ids[0] && SPDX.isSupportedSpdxId(lic.expression) ? [{ license: { id: lic.expression } }] : lic.converted ? [{ license: { name: lic.raw } }] : [{ expression: lic.expression }] } : {}),
    ...(purl ? { purl } : {}),
    ...(url ? { externalReferences: [{ url: `https://${url.host}/${url.owner}/${url.repo}`, type: url.host === 'huggingface.co' ? 'distribution' : 'vcs' }] } : {}),
  };
}

function postProcess(doc: Json, groups: Group[]): void {
  const byRef = new Map(groups.map((g) => [g.ref, g]));
  for (const c of (doc.components as Json[] | undefined) ?? []) {
    const g = byRef.get(c['bom-ref'] as string);
    if (!g) continue;
    if (g.kind === 'weights') {
      // Identity = the upstream model only when the tensors are identical (hash); derived weights are ancestors.
      const decisive = g.findings.filter((f) => f.strength !== 'info' && f.strength !== 'weak');
      const identical = decisive.filter((f) => f.method === 'weights-hash');
      const idGroup = identical.length ? { ...g, upstream: identical[0].upstream! } : undefined;
      c.evidence = {
        ...(idGroup ? { identity: identity(idGroup, identical) } : {}),
        occurrences: g.findings.map(occurrence),
      };
      const ancestors = [...new Map(decisive.map((f) => [projectId(f.upstream!), ancestorJson(f.upstream!)])).values()];
      c.pedigree = {
        ...(ancestors.length ? { ancestors } : {}),
        notes: g.findings
          .map((f) => `${f.upstream ? upstreamText(f.upstream) : '?'}: ${f.message} (${f.method}, ${f.strength}${f.strength === 'info' || f.strength === 'weak' ? ' — informational only, not evidence of derivation' : ''}, confidence ${f.confidence}${f.details ? `, ${JSON.stringify(f.details)}` : ''})`)
          .join(' '),
      };
    } else {
      c.evidence = { identity: identity(g, g.findings), occurrences: g.findings.map(occurrence) };
      c.pedigree = { notes: pedigreeNotes(g) };
    }
    const link = g.findings.map((f) => upstreamUrl(f.upstream)).find(Boolean);
    if (link) c.properties = [...((c.properties as Json[]) ?? []), { name: 'scratch-audit:exampleUpstreamLink', value: link }];
  }
  // We only know the upstreams that match a registered signature pack, so the inventory is incomplete by design.
  doc.compositions = [{ aggregate: 'incomplete', assemblies: ['repository'] }];
}

export function renderCycloneDx(result: AuditResult, opts: CycloneDxOptions = {}): string {
  const groups = groupFindings(result);
  const bom = new Models.Bom();
  const ts = new Date(result.createdAt);
  if (!Number.isNaN(ts.getTime())) bom.metadata.timestamp = ts;
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, result.tool.name, { version: result.tool.version }));

  const repo = new Models.Component(Enums.ComponentType.Application, repositoryName(result), {
    bomRef: 'repository',
    version: result.repository.commit,
    purl: upstreamPurl({ project: '', version: '', commit: result.repository.commit, remote: result.repository.remote, category: 'unknown' }),
  });
  const vcs = vcsRef(result.repository.remote);
  if (vcs) repo.externalReferences.add(vcs);
  // Licences found in the repository's own files are evidence about the repository, not a declaration.
  const found = result.findings.filter((f) => f.kind === 'licence' && f.upstream?.licence).map((f) => cdxLicence(f.upstream!.licence)).filter((l): l is Models.License => !!l);
  if (found.length) repo.evidence = new Models.ComponentEvidence({ licenses: new Models.LicenseRepository(found) });
  bom.metadata.component = repo;

  const add = (name: string, value: unknown) => bom.metadata.properties.add(prop(name, value));
  add('verdict', result.verdict);
  add('ratio', result.ratio.ratio === null ? 'n/a' : result.ratio.ratio.toFixed(6));
  add('ownTokens', String(result.ratio.ownTokens));
  add('borrowedTokens', String(result.ratio.borrowedTokens));
  add('policy', result.policy.name);
  add('policySha256', result.policy.sha256);
  add('threshold', String(result.policy.threshold));
  for (const g of result.gates) add(`gate:${g.gate}`, `${g.status}: ${g.reason}`);

  for (const g of groups) {
    const c = g.kind === 'weights' ? weightsComponent(g) : upstreamComponent(g);
    bom.components.add(c);
    repo.dependencies.add(c.bomRef);
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const doc = JSON.parse(serializer.serialize(bom, { sortLists: true })) as Json;
  postProcess(doc, groups);
  // Reproducible serial number: derived from the content, so the same audit gives the same BOM.
  const serial = `urn:uuid:${uuidFromHex(sha256Hex(canonicalJson(doc)))}`;
  const ordered: Json = {};
  for (const [k, v] of Object.entries(doc)) {
    ordered[k] = v;
    if (k === 'specVersion') ordered.serialNumber = serial;
  }
  return `${JSON.stringify(ordered, null, opts.pretty === false ? undefined : 2)}\n`;
}
