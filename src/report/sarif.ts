// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one result per borrowed fragment or piece of
// evidence, one per failing or review gate. Rule ids are stable; partialFingerprints carry the content-based
// Finding.id so an alert follows the code when it moves.
import type { AuditResult, Finding, FindingKind, GateResult, LineRange, Strength } from '../evidence';
import { GATE_ORDER, remoteHttpsUrl, sha256Hex, upstreamBlobBase, upstreamRelativeUri, upstreamText, upstreamUrl } from './common';

type Level = 'error' | 'warning' | 'note' | 'none';

interface RuleDef {
  id: string;
  name: string;
  short: string;
  full: string;
  help: string;
  level: Level;
  tags: string[];
}

/** Stable rule table. Never renumber: ids are what code-scanning alerts are keyed on. */
export const SARIF_RULES: RuleDef[] = [
  {
    id: 'SA001',
    name: 'CopiedCode',
    short: 'Code copied from an upstream project',
    full: 'Repository lines match code of a registered upstream project (whole file or fragment, including renamed and reformatted copies). Copied tokens count as borrowed in the code independence ratio.',
    help: 'Compare the lines with the upstream reference. If the code is your own, check the upstream path and commit; if it was copied, keep the upstream licence notice and expect it to lower the independence ratio.',
    level: 'warning',
    tags: ['provenance', 'copied-code'],
  },
  {
    id: 'SA002',
    name: 'ImportedModelCode',
    short: 'Upstream model implementation imported',
    full: 'The repository imports a symbol from an upstream model-implementation module; the code mass of that module counts as borrowed (once per module).',
    help: 'An imported architecture is not code built from scratch. Implement the module yourself or accept the lower ratio.',
    level: 'warning',
    tags: ['provenance', 'imported-code'],
  },
  {
    id: 'SA003',
    name: 'HubReference',
    short: 'Code loads external pretrained weights or tokenizers',
    full: 'A call such as from_pretrained("org/model"), torch.hub.load or create_model(..., pretrained=True) loads weights or a tokenizer from outside the repository.',
    help: 'Models built from scratch initialise their own weights. Use from_config or your own checkpoints, or explain the reference to the reviewer.',
    level: 'warning',
    tags: ['provenance', 'hub-reference'],
  },
  {
    id: 'SA004',
    name: 'Licence',
    short: 'Licence found on borrowed code, weights or data',
    full: 'A licence text or tag was found; the licences gate compares it with the policy’s allowed and denied licences.',
    help: 'Check that the licence allows your use; model licences with use restrictions are denied by the strict policy.',
    level: 'note',
    tags: ['licence'],
  },
  {
    id: 'SA005',
    name: 'PretrainedWeights',
    short: 'Weights match a registered external model',
    full: 'Tensors in the repository are identical to, or derived with strong statistical evidence from, a registered external model. Informational statistics (raw cosine, equal hyper-parameters) never decide anything.',
    help: 'Weights must be initialised and trained by the team. Identical or derived tensors of an external model fail the weights gate whatever their share of the parameters.',
    level: 'error',
    tags: ['provenance', 'weights'],
  },
  {
    id: 'SA006',
    name: 'Tokenizer',
    short: 'Tokenizer matches a registered external tokenizer',
    full: 'The tokenizer vocabulary is contained in a registered tokenizer with preserved id order, or its files are identical.',
    help: 'A reused tokenizer is evidence of reuse of an external model; train your own or explain the choice.',
    level: 'warning',
    tags: ['provenance', 'tokenizer'],
  },
  {
    id: 'SA007',
    name: 'ArchitectureConfig',
    short: 'Model configuration matches an external model',
    full: 'The model configuration matches the architecture of a registered external model. Equal hyper-parameters alone are informational.',
    help: 'Review together with the weights findings; a configuration alone does not show reuse.',
    level: 'note',
    tags: ['provenance', 'config'],
  },
  {
    id: 'SA008',
    name: 'GitHistory',
    short: 'History contains upstream commits',
    full: 'The repository history contains commits of an upstream project (for example, it is a fork).',
    help: 'A fork starts from someone else’s code; check what the copied and imported findings say about what remains.',
    level: 'note',
    tags: ['provenance', 'history'],
  },
  {
    id: 'SA010',
    name: 'GateFailed',
    short: 'A policy gate failed or needs review',
    full: 'A gate of the policy (ratio, weights, tokenizer, licences, hub references) has status FAIL or REVIEW. The verdict follows the gates.',
    help: 'Read the gate reason and the findings it lists; FAIL stops the audit from passing, REVIEW asks a person to decide.',
    level: 'error',
    tags: ['policy', 'gate'],
  },
  {
    id: 'SA011',
    name: 'GateNotChecked',
    short: 'A policy gate was not checked',
    full: 'A gate could not be checked (no reference data, or disabled by the policy); absence of findings then proves nothing.',
    help: 'Provide the missing reference packs or enable the gate if the reviewer needs it.',
    level: 'note',
    tags: ['policy', 'gate'],
  },
];

const RULE_OF_KIND: Partial<Record<FindingKind, string>> = {
  'copied-code': 'SA001',
  'imported-code': 'SA002',
  'hub-reference': 'SA003',
  licence: 'SA004',
  weights: 'SA005',
  tokenizer: 'SA006',
  config: 'SA007',
  history: 'SA008',
};

const FINGERPRINT_KEY = 'scratchAuditFindingId/v1';

/** SARIF requires relative URIs to be valid URI references: encode each path segment. */
function fileUri(path: string): string {
  return path
    .replace(/^\.?\/+/, '')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

function physical(file: string, lines?: { start: number; end: number }): Record<string, unknown> {
  const loc: Record<string, unknown> = { artifactLocation: { uri: fileUri(file), uriBaseId: '%SRCROOT%' } };
  // Lines only: no columns, so the region covers the whole last line (endColumn 1 would end before it).
  if (lines) loc.region = { startLine: Math.max(1, lines.start), endLine: Math.max(lines.start, lines.end, 1) };
  return loc;
}

/** Findings that a FAIL gate relied on are errors, REVIEW gates warnings; the rest follow strength. */
function levelFor(f: Finding, gateOf: Map<string, GateResult>): Level {
  const g = gateOf.get(f.id);
  if (g?.status === 'FAIL') return 'error';
  if (g?.status === 'REVIEW') return 'warning';
  const byStrength: Record<Strength, Level> = { conclusive: 'warning', strong: 'warning', moderate: 'note', weak: 'note', info: 'note' };
  return f.kind === 'licence' ? 'note' : byStrength[f.strength];
}

/**
 * The upstream lines as a related location. When the commit URL is known the location is the upstream path
 * relative to a base id declared in run.originalUriBaseIds (SARIF's way to point outside the checkout);
 * otherwise the location carries only its message.
 */
function upstreamRelated(f: Finding, bases: Map<string, string>): Record<string, unknown> | undefined {
  const u = f.upstream;
  if (!u) return undefined;
  const rel: Record<string, unknown> = { id: 1, message: { text: `${upstreamText(u)}${u.licence ? ` (${u.licence})` : ''}` } };
  const base = upstreamBlobBase(u);
  const uri = upstreamRelativeUri(u);
  if (base && uri) {
    let id = bases.get(base);
    if (!id) bases.set(base, (id = `UPSTREAM_${sha256Hex(base).slice(0, 10).toUpperCase()}`));
    rel.physicalLocation = {
      artifactLocation: { uri, uriBaseId: id },
      ...(u.lines ? { region: { startLine: u.lines.start, endLine: Math.max(u.lines.start, u.lines.end) } } : {}),
    };
    rel.properties = { url: upstreamUrl(u) };
  }
  return rel;
}

function findingResult(
  f: Finding,
  ruleIndex: Map<string, number>,
  gateOf: Map<string, GateResult>,
  bases: Map<string, string>,
  relatedUpstream: boolean,
): Record<string, unknown> {
  const ruleId = RULE_OF_KIND[f.kind]!;
  const related = relatedUpstream ? upstreamRelated(f, bases) : undefined;
  // "[text](1)" is SARIF's embedded link to relatedLocations[id=1]; brackets in our own text must be escaped.
  const escText = (s: string) => s.replace(/[[\]\\]/g, (c) => `\\${c}`);
  const upstreamPart = !f.upstream ? '' : related ? ` — upstream [${escText(upstreamText(f.upstream))}](1)` : ` — upstream ${escText(upstreamText(f.upstream))}`;
  const props: Record<string, unknown> = {
    kind: f.kind,
    method: f.method,
    strength: f.strength,
    confidence: f.confidence,
    category: f.category,
  };
  if (f.tokens !== undefined) props.tokens = f.tokens;
  if (f.upstreamTokens !== undefined) props.upstreamTokens = f.upstreamTokens;
  if (f.parameters !== undefined) props.parameters = f.parameters;
  if (f.upstream) {
    props.upstream = { project: f.upstream.project, version: f.upstream.version, commit: f.upstream.commit, path: f.upstream.path, lines: f.upstream.lines, licence: f.upstream.licence };
  }
  if (f.details) props.details = f.details;
  return {
    ruleId,
    ruleIndex: ruleIndex.get(ruleId),
    level: levelFor(f, gateOf),
    message: { text: `${escText(f.message)}${upstreamPart} (${f.method}, ${f.strength}, confidence ${Math.round(f.confidence * 100)} %)` },
    locations: [{ physicalLocation: physical(f.file, f.lines) }],
    ...(related ? { relatedLocations: [related] } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.id },
    properties: props,
  };
}

/**
 * A FAIL or REVIEW gate as a result. GitHub code scanning rejects a whole upload when one result has no
 * location, so a gate is anchored at its first deciding finding (the ratio gate, failing, at the file with most
 * copied code); a gate with no anchor returns undefined and is reported as a tool notification instead.
 */
function gateResult(g: GateResult, result: AuditResult, byId: Map<string, Finding>, ruleIndex: Map<string, number>): Record<string, unknown> | undefined {
  const deciding = g.findings.map((id) => byId.get(id)).filter((f): f is Finding => !!f && !!f.file);
  let anchor: { file: string; lines?: LineRange } | undefined = deciding[0];
  if (!anchor && g.gate === 'ratio') {
    const top = [...result.summaries].filter((f) => !f.excluded && f.copiedTokens > 0).sort((a, b) => b.copiedTokens - a.copiedTokens || a.path.localeCompare(b.path))[0];
    if (top) anchor = { file: top.path };
  }
  if (!anchor) return undefined;
  return {
    ruleId: 'SA010',
    ruleIndex: ruleIndex.get('SA010'),
    level: g.status === 'FAIL' ? 'error' : 'warning',
    message: { text: gateText(g) },
    locations: [{ physicalLocation: physical(anchor.file, anchor.lines) }],
    ...(deciding.length > 1
      ? { relatedLocations: deciding.slice(1, 100).map((f, i) => ({ id: i + 2, message: { text: f.message.slice(0, 500) }, physicalLocation: physical(f.file, f.lines) })) }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: sha256Hex(`gate\n${g.gate}\n${g.status}\n${[...g.findings].sort().join('\n')}`).slice(0, 32) },
    properties: { gate: g.gate, status: g.status, findings: g.findings },
  };
}

function gateText(g: GateResult): string {
  return `Gate ${g.gate}: ${g.status} — ${g.reason}${g.checkedAgainst ? ` (${g.checkedAgainst})` : ''}`;
}

export interface SarifOptions {
  /** Pretty-print (default true). */
  pretty?: boolean;
  /**
   * Give the upstream lines as relatedLocations (default true). Set false for consumers that reject locations
   * outside the checkout; the upstream then stays in the message text and result properties.
   */
  relatedUpstream?: boolean;
}

export function renderSarif(result: AuditResult, opts: SarifOptions = {}): string {
  const rules = SARIF_RULES.map((r) => ({
    id: r.id,
    name: r.name,
    shortDescription: { text: r.short },
    fullDescription: { text: r.full },
    help: { text: r.help, markdown: `**${r.short}.** ${r.help}` },
    defaultConfiguration: { level: r.level },
    properties: { tags: r.tags },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const gateOf = new Map<string, GateResult>();
  // A finding named by several gates takes the most severe one.
  for (const g of [...result.gates].sort((a, b) => GATE_ORDER[a.status] - GATE_ORDER[b.status])) {
    for (const id of g.findings) if (!gateOf.has(id) && (g.status === 'FAIL' || g.status === 'REVIEW')) gateOf.set(id, g);
  }
  const byId = new Map(result.findings.map((f) => [f.id, f]));
  const bases = new Map<string, string>(); // upstream blob base URL -> uriBaseId
  const findingResults = result.findings
    .filter((f) => RULE_OF_KIND[f.kind])
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.file.localeCompare(b.file) || (a.lines?.start ?? 0) - (b.lines?.start ?? 0) || a.id.localeCompare(b.id))
    .map((f) => findingResult(f, ruleIndex, gateOf, bases, opts.relatedUpstream !== false));
  const gateResults: Record<string, unknown>[] = [];
  const gateNotes: Record<string, unknown>[] = [];
  for (const g of result.gates) {
    if (g.status === 'PASS') continue;
    const r = g.status === 'NOT-CHECKED' ? undefined : gateResult(g, result, byId, ruleIndex);
    if (r) gateResults.push(r);
    else {
      const rule = g.status === 'NOT-CHECKED' ? 'SA011' : 'SA010';
      gateNotes.push({
        level: g.status === 'FAIL' ? 'error' : g.status === 'REVIEW' ? 'warning' : 'note',
        message: { text: gateText(g) },
        associatedRule: { id: rule, index: ruleIndex.get(rule) },
        properties: { gate: g.gate, status: g.status },
      });
    }
  }

  const notifications = [
    ...gateNotes,
    ...result.files
      .filter((f) => f.skipped)
      .map((f) => ({ level: 'note', message: { text: `skipped ${f.path}: ${f.skipped}` }, locations: [{ physicalLocation: physical(f.path) }] })),
    ...result.warnings.map((w) => ({ level: 'warning', message: { text: w } })),
  ];
  const repoUrl = remoteHttpsUrl(result.repository.remote);
  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: result.tool.name,
        version: result.tool.version,
        semanticVersion: result.tool.version,
        rules,
      },
    },
    automationDetails: { id: `${result.tool.name}/${result.policy.name}/` },
    invocations: [
      {
        executionSuccessful: true,
        commandLine: result.commandLine.join(' '),
        arguments: result.commandLine.slice(1),
        startTimeUtc: result.createdAt,
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      },
    ],
    ...(repoUrl && result.repository.commit
      ? { versionControlProvenance: [{ repositoryUri: repoUrl, revisionId: result.repository.commit }] }
      : {}),
    ...(bases.size
      ? { originalUriBaseIds: Object.fromEntries([...bases].sort((a, b) => a[1].localeCompare(b[1])).map(([url, id]) => [id, { uri: url }])) }
      : {}),
    columnKind: 'unicodeCodePoints',
    results: [...gateResults, ...findingResults],
    properties: {
      verdict: result.verdict,
      ratio: result.ratio.ratio,
      threshold: result.policy.threshold,
      policy: result.policy.name,
      policySha256: result.policy.sha256,
      gates: Object.fromEntries(result.gates.map((g) => [g.gate, g.status])),
    },
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [run],
  };
  return `${JSON.stringify(log, null, opts.pretty === false ? undefined : 2)}\n`;
}
