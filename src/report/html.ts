// Self-contained HTML report for a reviewer: one file, inline CSS and script, a CSP that forbids every network
// request, the full AuditResult embedded as JSON for machines, and a layout that prints on A4.
import { createHash } from 'node:crypto';
import type { AuditResult, Finding, FindingKind, GateName, GateResult, Strength } from '../evidence';
import {
  GATE_ORDER,
  RATIO_DEFINITION,
  findingsOf,
  fragments,
  intText,
  locationText,
  percent,
  projectId,
  rangeText,
  redactRemote,
  remoteHttpsUrl,
  repositoryName,
  share,
  shellJoin,
  upstreamText,
  upstreamUrl,
  utcText,
} from './common';
import { CSS, SCRIPT } from './html-assets';
import { renderTreemap } from './html-treemap';
import { anchorId, dl, esc, jsonForScript, link, table } from './html-util';

export interface HtmlOptions {
  /** Repository path -> file text, so that matched lines can be shown; without it only line ranges are shown. */
  sources?: Record<string, string>;
  /** Lines of context around a fragment (default 3). */
  contextLines?: number;
  /** Most lines shown per fragment; longer ones show their head and tail (default 80). */
  maxFragmentLines?: number;
}

const STRENGTH_NOTE: Record<Strength, string> = {
  conclusive: 'conclusive',
  strong: 'strong',
  moderate: 'moderate',
  weak: 'weak — never decides alone',
  info: 'informational only — never decides anything',
};

const STRENGTH_RANK: Record<Strength, number> = { conclusive: 0, strong: 1, moderate: 2, weak: 3, info: 4 };

function statusBadge(status: string): string {
  return `<span class="status s-${esc(status)}">${esc(status)}</span>`;
}

/** Link to a finding shown on this page; an id the result does not contain stays plain text. */
function findingLink(id: string, known: Set<string>): string {
  return known.has(id) ? `<a href="#${anchorId('f', id)}">${esc(id)}</a>` : esc(id);
}

function renderHeader(r: AuditResult): string {
  const repoUrl = remoteHttpsUrl(r.repository.remote);
  const commit = r.repository.commit
    ? `${r.repository.commit}${r.repository.dirty ? ' (working tree has uncommitted changes)' : ''}`
    : r.repository.dirty
      ? 'unknown (uncommitted changes)'
      : 'unknown';
  const packs = r.packs.length ? r.packs.map((p) => p.id).join(', ') : 'none';
  return `<header>
<h1>Code independence audit — ${esc(repositoryName(r))}</h1>
${dl([
  ['Repository', { html: `${r.repository.remote ? link(repoUrl, redactRemote(r.repository.remote) ?? '') + ' · ' : ''}<span class="mono">${esc(r.repository.root)}</span>` }],
  ['Commit', { html: `<span class="mono">${esc(commit)}</span>` }],
  ['Date (UTC)', utcText(r.createdAt)],
  ['Tool', `${r.tool.name} ${r.tool.version}`],
  ['Signature packs', packs],
  ['Policy', `${r.policy.name} (threshold ${percent(r.policy.threshold)})`],
  ['Policy sha256', { html: `<span class="mono">${esc(r.policy.sha256)}</span>` }],
])}
</header>`;
}

function renderSummary(r: AuditResult): string {
  const q = r.ratio;
  const parts: [string, string, number][] = [
    ['own', 'Own', q.ownTokens],
    ['copied', 'Copied', q.copiedTokens],
    ['imported', 'Imported', q.importedTokens],
    ['excluded', 'Excluded', q.excludedTokens],
  ];
  const total = parts.reduce((s, p) => s + Math.max(0, p[2]), 0);
  const segs = parts
    .map(([k, label, n]) => {
      const w = share(Math.max(0, n), total) * 100;
      return `<div class="seg-${k}" style="width:${w.toFixed(3)}%" title="${esc(`${label}: ${intText(n)} tokens`)}"></div>`;
    })
    .join('');
  const legend = parts
    .map(
      ([k, label, n]) =>
        `<span data-part="${k}"><i class="seg-${k}"></i>${esc(label)}: ${intText(n)} tokens (${percent(share(n, total))})</span>`,
    )
    .join('');
  const gateLine = r.gates
    .map((g) => `${esc(g.gate)} ${statusBadge(g.status)}`)
    .join(' &nbsp; ');
  return `<section class="summary">
<div class="verdict v-${esc(r.verdict)}" id="verdict">${esc(r.verdict)}</div>
<div class="ratio-box">
<div>Code independence ratio</div>
<div class="ratio" id="ratio">${esc(percent(q.ratio))}</div>
<div>threshold ${esc(percent(r.policy.threshold))} · own ${intText(q.ownTokens)} / (own ${intText(q.ownTokens)} + borrowed ${intText(q.borrowedTokens)}) tokens · ${intText(q.ownLines)} of ${intText(q.totalLines)} code lines own</div>
<p class="def">${esc(RATIO_DEFINITION)}</p>
<div>${gateLine}</div>
</div>
</section>
<section><h2 id="composition">Composition of the code</h2>
<div class="stack" id="stack" role="img" aria-label="own, copied, imported and excluded tokens">${segs}</div>
<div class="legend">${legend}</div>
<p class="note">Percentages here are shares of all tokens in the bar, excluded files included; the ratio leaves excluded files out. Imported = code mass of upstream model modules the repository imports (counted once per module); it is not inside the repository, so the per-file table and treemap show copied code only.</p>
</section>`;
}

function renderGates(r: AuditResult): string {
  const gates = [...r.gates].sort((a, b) => GATE_ORDER[a.status] - GATE_ORDER[b.status]);
  const known = new Set(r.findings.map((f) => f.id));
  return `<section><h2 id="gates">Gates</h2>${table(gates, [
    { title: 'Gate', html: (g) => esc(g.gate) },
    { title: 'Status', html: (g) => statusBadge(g.status) },
    { title: 'Reason', html: (g) => esc(g.reason) },
    { title: 'Checked against', html: (g) => esc(g.checkedAgainst ?? '') },
    { title: 'Deciding findings', html: (g) => g.findings.map((id) => findingLink(id, known)).join(', ') },
  ])}</section>`;
}

function renderFiles(r: AuditResult): string {
  const rows = [...r.summaries].sort((a, b) => b.copiedTokens - a.copiedTokens || a.path.localeCompare(b.path));
  const pct = (f: (typeof rows)[number]): number => share(f.copiedTokens, f.tokens);
  return `<section><h2 id="files">Files</h2>
<p class="note">Click a column title to sort. Bars: green own, red copied; grey rows are excluded by the policy.</p>
${table(
  rows,
  [
    { title: 'Path', html: (f) => esc(f.path), sort: (f) => f.path, className: 'path mono' },
    { title: 'Kind', html: (f) => esc(f.kind), sort: (f) => f.kind },
    { title: 'Tokens', html: (f) => intText(f.tokens), sort: (f) => f.tokens, numeric: true },
    { title: 'Code lines', html: (f) => intText(f.codeLines), sort: (f) => f.codeLines, numeric: true },
    { title: 'Copied tokens', html: (f) => intText(f.copiedTokens), sort: (f) => f.copiedTokens, numeric: true },
    { title: 'Copied lines', html: (f) => intText(f.copiedLines), sort: (f) => f.copiedLines, numeric: true },
    { title: 'Copied %', html: (f) => esc(percent(pct(f))), sort: (f) => pct(f), numeric: true },
    {
      title: 'Share',
      html: (f) => `<div class="bar${f.excluded ? ' excl' : ''}"><span style="width:${(pct(f) * 100).toFixed(2)}%"></span></div>`,
    },
    { title: 'Top upstream', html: (f) => esc(f.topUpstream ?? ''), sort: (f) => f.topUpstream ?? '' },
    { title: 'Counted', html: (f) => (f.excluded ? `excluded: ${esc(f.excluded)}` : 'yes'), sort: (f) => (f.excluded ? 1 : 0) },
  ],
  { id: 'files-table', sortable: true, empty: 'No code files were found.' },
)}</section>
<section><h2 id="treemap">Treemap</h2><p class="note">Area = code tokens; colour = copied share of the file.</p>${renderTreemap(r.summaries)}</section>`;
}

/** The repository side of a fragment: numbered lines with the matched range highlighted, or just the range. */
function sourceExcerpt(f: Finding, opts: HtmlOptions): string {
  const text = opts.sources?.[f.file];
  if (text === undefined || !f.lines) {
    return `<p class="mono">${esc(locationText(f.file, f.lines))}</p>${f.lines ? '' : '<p class="note">whole file</p>'}`;
  }
  const lines = text.split(/\r\n|\n|\r/); // U+2028 is content, not a line break, as in Python's tokenizer
  const ctx = opts.contextLines ?? 3;
  const max = Math.max(4, opts.maxFragmentLines ?? 80);
  const from = Math.max(1, f.lines.start - ctx);
  const to = Math.min(lines.length, f.lines.end + ctx);
  let shown: (number | 'gap')[] = [];
  for (let n = from; n <= to; n++) shown.push(n);
  if (shown.length > max) {
    const half = Math.floor(max / 2);
    shown = [...shown.slice(0, half), 'gap', ...shown.slice(shown.length - half)];
  }
  const body = shown
    .map((n) => {
      if (n === 'gap') return `<span class="gap">… ${to - from + 1 - 2 * Math.floor(max / 2)} lines not shown …</span>`;
      const hit = n >= f.lines!.start && n <= f.lines!.end;
      return `<span${hit ? ' class="hit"' : ''}><b>${n}</b>${esc(lines[n - 1] ?? '')}</span>`;
    })
    .join('');
  return `<p class="mono">${esc(locationText(f.file, f.lines))}</p><pre class="src">${body}</pre>`;
}

function upstreamPanel(f: Finding): string {
  const u = f.upstream;
  if (!u) return '<p class="empty">No upstream recorded.</p>';
  const url = upstreamUrl(u);
  return dl([
    ['Project', projectId(u)],
    ['Commit', u.commit],
    ['Path', { html: link(url, `${u.path ?? ''}${u.lines ? `:${rangeText(u.lines)}` : ''}`) }],
    ['Licence', u.licence ?? 'unknown'],
    ['Category', u.category],
    ['Pack', u.pack],
  ]);
}

function renderFragments(r: AuditResult, opts: HtmlOptions): string {
  const list = fragments(r);
  const cards = list
    .map(
      (f) => `<article class="frag" id="${anchorId('f', f.id)}">
<header>${esc(locationText(f.file, f.lines))} ← ${esc(f.upstream ? upstreamText(f.upstream) : 'unknown upstream')}</header>
<div class="pair"><div><div class="side-title">Repository</div>${sourceExcerpt(f, opts)}</div>
<div><div class="side-title">Upstream reference</div>${upstreamPanel(f)}</div></div>
<div style="padding:4px 10px 8px">${esc(f.message)}<br><span class="note">method ${esc(f.method)} · confidence ${esc(percent(f.confidence, 0))} · strength ${esc(STRENGTH_NOTE[f.strength] ?? f.strength)} · ${intText(f.tokens ?? 0)} tokens · id ${esc(f.id)}</span></div>
</article>`,
    )
    .join('\n');
  const byProject = table(
    r.ratio.copiedByProject,
    [
      { title: 'Project', html: (p) => esc(projectId(p)) },
      { title: 'Category', html: (p) => esc(p.category) },
      { title: 'Licence', html: (p) => esc(p.licence ?? 'unknown') },
      { title: 'Tokens (weighted)', html: (p) => intText(p.tokens), numeric: true },
      { title: 'Tokens (raw)', html: (p) => intText(p.rawTokens), numeric: true },
    ],
    { empty: 'No copied code.' },
  );
  return `<section><h2 id="fragments">Copied code (${list.length} fragment${list.length === 1 ? '' : 's'})</h2>
<h3>By upstream project</h3>${byProject}
${cards || '<p class="empty">No copied fragments were found.</p>'}</section>`;
}

/** A table of findings for one evidence section, with the gate that reads them and what it compared against. */
function findingsSection(r: AuditResult, title: string, id: string, kinds: FindingKind[], gate?: GateName, extra = ''): string {
  const list = findingsOf(r, ...kinds).sort(
    (a, b) => STRENGTH_RANK[a.strength] - STRENGTH_RANK[b.strength] || a.file.localeCompare(b.file) || a.id.localeCompare(b.id),
  );
  const g: GateResult | undefined = gate ? r.gates.find((x) => x.gate === gate) : undefined;
  const gateHtml = g
    ? `<p>Gate <b>${esc(g.gate)}</b>: ${statusBadge(g.status)} ${esc(g.reason)}${g.checkedAgainst ? ` <span class="note">(${esc(g.checkedAgainst)})</span>` : ''}</p>`
    : '';
  const showParams = list.some((f) => f.parameters !== undefined);
  const body = table(
    list,
    [
      { title: 'Location', html: (f) => `<span id="${anchorId('f', f.id)}" class="mono">${esc(locationText(f.file, f.lines))}</span>`, className: 'path' },
      { title: 'Upstream', html: (f) => (f.upstream ? link(upstreamUrl(f.upstream) ?? remoteHttpsUrl(f.upstream.remote), upstreamText(f.upstream)) : '') },
      { title: 'Licence', html: (f) => esc(f.upstream?.licence ?? '') },
      ...(showParams ? [{ title: 'Parameters', html: (f: Finding) => intText(f.parameters), numeric: true }] : []),
      { title: 'Method', html: (f) => esc(f.method) },
      { title: 'Strength', html: (f) => `<span class="strength-${esc(f.strength)}">${esc(STRENGTH_NOTE[f.strength] ?? f.strength)}</span>` },
      { title: 'Confidence', html: (f) => esc(percent(f.confidence, 0)), numeric: true },
      { title: 'Finding', html: (f) => `${esc(f.message)}${detailsText(f)}` },
    ],
    { empty: g && g.status !== 'NOT-CHECKED' ? 'No findings of this kind: nothing here was derived from a registered reference.' : 'No findings of this kind.' },
  );
  return `<section><h2 id="${esc(id)}">${esc(title)}</h2>${gateHtml}${extra}${body}</section>`;
}

function detailsText(f: Finding): string {
  if (!f.details || Object.keys(f.details).length === 0) return '';
  const parts = Object.entries(f.details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `<br><span class="note">${esc(parts.join(' · '))}</span>`;
}

function renderImports(r: AuditResult): string {
  const byProject = table(
    r.ratio.importedByProject,
    [
      { title: 'Project', html: (p) => esc(projectId(p)) },
      { title: 'Category', html: (p) => esc(p.category) },
      { title: 'Licence', html: (p) => esc(p.licence ?? 'unknown') },
      { title: 'Tokens (weighted)', html: (p) => intText(p.tokens), numeric: true },
      { title: 'Tokens (raw)', html: (p) => intText(p.rawTokens), numeric: true },
    ],
    { empty: 'No imported upstream model code counts in the ratio.' },
  );
  return findingsSection(r, 'Imported upstream code', 'imports', ['imported-code'], undefined, `<h3>By upstream project</h3>${byProject}<h3>Imports</h3>`);
}

function renderFilesNotCounted(r: AuditResult): string {
  const excluded = r.files.filter((f) => f.excluded).sort((a, b) => a.path.localeCompare(b.path));
  const skipped = r.files.filter((f) => f.skipped).sort((a, b) => a.path.localeCompare(b.path));
  const warned = r.files.filter((f) => f.warnings?.length);
  const warnings = [...r.warnings, ...warned.flatMap((f) => f.warnings!.map((w) => `${f.path}: ${w}`))];
  return `<section><h2 id="exclusions">Exclusions and skipped files</h2>
<h3>Excluded by the policy (${excluded.length})</h3>${table(
    excluded,
    [
      { title: 'Path', html: (f) => esc(f.path), className: 'path mono' },
      { title: 'Tokens', html: (f) => intText(f.tokens ?? 0), numeric: true },
      { title: 'Reason', html: (f) => esc(f.excluded) },
    ],
    { empty: 'No file was excluded.' },
  )}
<h3>Skipped (${skipped.length})</h3>${table(
    skipped,
    [
      { title: 'Path', html: (f) => esc(f.path), className: 'path mono' },
      { title: 'Kind', html: (f) => esc(f.kind) },
      { title: 'Bytes', html: (f) => intText(f.bytes), numeric: true },
      { title: 'Reason', html: (f) => esc(f.skipped) },
    ],
    { empty: 'Every file was read.' },
  )}
<h3>Warnings (${warnings.length})</h3>${warnings.length ? `<ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p class="empty">None.</p>'}
</section>`;
}

function renderAppendix(r: AuditResult): string {
  const kv = (o: Record<string, unknown>) =>
    table(Object.entries(o).sort((a, b) => a[0].localeCompare(b[0])), [
      { title: 'Name', html: ([k]) => esc(k) },
      { title: 'Value', html: ([, v]) => esc(typeof v === 'string' ? v : JSON.stringify(v)), className: 'mono' },
    ]);
  const packs = table(r.packs, [
    { title: 'Pack', html: (p) => esc(p.id) },
    { title: 'Kind', html: (p) => esc(p.kind) },
    { title: 'Category', html: (p) => esc(p.category) },
    { title: 'Commit', html: (p) => esc(p.commit ?? ''), className: 'mono' },
    { title: 'Licence', html: (p) => esc(p.licence ?? '') },
    { title: 'Files', html: (p) => intText(p.files), numeric: true },
    { title: 'Fingerprints', html: (p) => intText(p.fingerprints), numeric: true },
  ]);
  const timings = table(Object.entries(r.timings), [
    { title: 'Phase', html: ([k]) => esc(k) },
    { title: 'Milliseconds', html: ([, v]) => intText(v), numeric: true },
  ]);
  return `<section><h2 id="appendix">Appendix: how this audit was run</h2>
<h3>Command line</h3><pre class="policy mono">${esc(shellJoin(r.commandLine))}</pre>
<h3>Environment</h3>${kv(r.environment)}
<h3>Parameters</h3>${kv(r.parameters)}
<h3>Timings</h3>${timings}
<h3>Signature packs compared against</h3>${packs}
<h3>Policy ${esc(r.policy.name)} <span class="note mono">sha256 ${esc(r.policy.sha256)}</span></h3><pre class="policy">${esc(r.policy.text)}</pre>
</section>`;
}

export function renderHtml(result: AuditResult, opts: HtmlOptions = {}): string {
  const r = result;
  const otherKinds: FindingKind[] = ['dependency', 'config', 'history', 'read-error'];
  const hasOther = findingsOf(r, ...otherKinds).length > 0;
  const body = [
    renderHeader(r),
    renderSummary(r),
    renderGates(r),
    renderFiles(r),
    renderFragments(r, opts),
    renderImports(r),
    findingsSection(r, 'Pretrained weights', 'weights', ['weights'], 'weights'),
    findingsSection(r, 'Tokenizer', 'tokenizer', ['tokenizer'], 'tokenizer'),
    findingsSection(r, 'Licences', 'licences', ['licence'], 'licences'),
    findingsSection(r, 'Hub references', 'hub-references', ['hub-reference'], 'hub-references'),
    hasOther ? findingsSection(r, 'Other evidence', 'other', otherKinds) : '',
    renderFilesNotCounted(r),
    renderAppendix(r),
  ].join('\n');
  // A hash-based script-src: even if some text escaped our escaping, an injected script or handler could not run.
  const scriptHash = createHash('sha256').update(SCRIPT, 'utf8').digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(`${r.tool.name} ${r.tool.version}`)}">
<title>${esc(`${r.verdict} · ${percent(r.ratio.ratio)} · ${repositoryName(r)} — scratch-audit`)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
<footer>Generated by ${esc(r.tool.name)} ${esc(r.tool.version)} on ${esc(utcText(r.createdAt))}. The complete result is embedded in this file as JSON (element #audit-data).</footer>
<script type="application/json" id="audit-data">${jsonForScript(r)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
