// Short Markdown digest for a pull-request comment or a job summary. It must fit GitHub's comment limit
// (65,536 characters), so the lists shrink until it does and say how many entries the full report has.
import type { AuditResult, FileSummary, Finding } from '../evidence';
import {
  GATE_ORDER,
  fragments,
  intText,
  locationText,
  percent,
  repositoryName,
  share,
  upstreamText,
  upstreamUrl,
  utcText,
} from './common';

export interface MarkdownOptions {
  /** Hard limit on the output length in characters (default 65,536, GitHub's comment limit). */
  maxChars?: number;
  /** Entries per list before shrinking (default 10). */
  topN?: number;
}

const ICON: Record<string, string> = { PASS: '✅', REVIEW: '⚠️', FAIL: '❌', 'NOT-CHECKED': '➖' };

/**
 * Text that renders literally: Markdown and HTML specials backslash-escaped (so "<img onerror>" is shown, not
 * interpreted), line breaks folded, and long values shortened.
 */
export function mdText(value: unknown, max = 300): string {
  let s = String(value ?? '').replace(/[\r\n\u2028\u2029]+/g, ' ');
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  // Values are never at the start of a line, so block markers (#, -, +, !) need no escape.
  return s.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

/** Inline code; only "|" needs escaping inside table cells (GFM splits cells before parsing code spans). */
function mdCode(value: string, max = 200): string {
  let s = value.replace(/[\r\n\u2028\u2029]+/g, ' ');
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function mdLink(text: string, url: string | undefined): string {
  return url && /^https:\/\/[^\s()<>]+$/.test(url) ? `[${mdText(text)}](${url})` : mdText(text);
}

function more(n: number): string {
  return n > 0 ? `\n_${n} more in the full report._\n` : '\n';
}

function header(r: AuditResult): string {
  const q = r.ratio;
  const commit = r.repository.commit ? r.repository.commit.slice(0, 12) : 'unknown commit';
  return [
    `## ${ICON[r.verdict] ?? ''} scratch-audit: **${r.verdict}** — code independence ${percent(q.ratio)}`,
    '',
    `${mdText(repositoryName(r))} @ ${mdCode(commit)}${r.repository.dirty ? ' (uncommitted changes)' : ''} · ${mdText(utcText(r.createdAt))} · ` +
      `${mdText(`${r.tool.name} ${r.tool.version}`)} · policy ${mdText(r.policy.name)} (threshold ${percent(r.policy.threshold)}, sha256 ${mdCode(r.policy.sha256.slice(0, 12))})`,
    '',
    `Ratio = own / (own + borrowed) in code tokens: ${intText(q.ownTokens)} own, ${intText(q.copiedTokens)} copied, ` +
      `${intText(q.importedTokens)} imported (borrowed ${intText(q.borrowedTokens)}, weighted by category); ` +
      `${intText(q.excludedTokens)} tokens in excluded files do not count.`,
    '',
  ].join('\n');
}

function gates(r: AuditResult): string {
  const rows = [...r.gates]
    .sort((a, b) => GATE_ORDER[a.status] - GATE_ORDER[b.status])
    .map((g) => `| ${mdText(g.gate)} | ${ICON[g.status] ?? ''} ${g.status} | ${mdText(g.reason)}${g.checkedAgainst ? ` (${mdText(g.checkedAgainst)})` : ''} |`);
  return ['### Gates', '', '| Gate | Status | Reason |', '|---|---|---|', ...rows, ''].join('\n');
}

function filesTable(list: FileSummary[], n: number): string {
  if (list.length === 0) return '### Files with copied code\n\nNone.\n';
  const rows = list
    .slice(0, n)
    .map(
      (f) =>
        `| ${mdCode(f.path)} | ${intText(f.copiedTokens)} / ${intText(f.tokens)} | ${percent(share(f.copiedTokens, f.tokens))} | ${mdText(f.topUpstream ?? '')} |`,
    );
  return ['### Files with copied code', '', '| File | Copied / tokens | Copied | Top upstream |', '|---|---:|---:|---|', ...rows, more(list.length - n)].join('\n');
}

function fragmentsTable(list: Finding[], n: number): string {
  if (list.length === 0) return '### Copied fragments\n\nNone.\n';
  const rows = list.slice(0, n).map((f) => {
    const up = f.upstream ? mdLink(upstreamText(f.upstream), upstreamUrl(f.upstream)) : 'unknown';
    return `| ${mdCode(locationText(f.file, f.lines))} | ${up} | ${mdText(f.upstream?.licence ?? 'unknown')} | ${intText(f.tokens ?? 0)} | ${mdText(f.method)}, ${percent(f.confidence, 0)} |`;
  });
  return ['### Copied fragments', '', '| Repository lines | Upstream | Licence | Tokens | Method |', '|---|---|---|---:|---|', ...rows, more(list.length - n)].join('\n');
}

/** Weights, tokenizer, licence and hub findings that are at least moderate: the ones a reviewer must read. */
function otherTable(list: Finding[], n: number): string {
  if (list.length === 0) return '';
  const rows = list
    .slice(0, n)
    .map((f) => `| ${mdText(f.kind)} | ${mdCode(locationText(f.file, f.lines))} | ${mdText(f.strength)} | ${mdText(f.message)} |`);
  return ['### Other evidence', '', '| Kind | Where | Strength | Finding |', '|---|---|---|---|', ...rows, more(list.length - n)].join('\n');
}

/** PR mode: ratio before and after, and the new borrowed code (the list shrinks with the others). */
function prSection(r: AuditResult, n: number): string {
  const pr = r.pr;
  if (!pr) return '';
  const byId = new Map(r.findings.map((f) => [f.id, f]));
  const delta =
    pr.ratioBefore !== null && pr.ratioAfter !== null ? ` (${pr.ratioAfter >= pr.ratioBefore ? '+' : ''}${((pr.ratioAfter - pr.ratioBefore) * 100).toFixed(1)} points)` : '';
  const nb = pr.newBorrowed;
  const lines = [
    '### This change',
    '',
    `Code independence **${percent(pr.ratioBefore)} → ${percent(pr.ratioAfter)}**${delta} since ${mdCode(pr.base, 80)} (merge base ${mdCode(pr.mergeBase.slice(0, 12))}). ` +
      `${intText(pr.changedFiles.length)} changed file(s), ${intText(pr.addedLines)} added line(s).`,
    '',
    `New borrowed code: **${intText(nb.findings.length)} fragment(s), ${intText(nb.tokens)} tokens**; new imports, hub references and weights: ${intText(pr.newFindings.length)}.`,
    '',
  ];
  const rows = [...nb.findings, ...pr.newFindings]
    .map((id) => byId.get(id))
    .filter((f): f is Finding => !!f)
    .slice(0, n)
    .map((f) => `| ${mdText(f.kind)} | ${mdCode(locationText(f.file, f.lines))} | ${f.upstream ? mdLink(upstreamText(f.upstream), upstreamUrl(f.upstream)) : ''} | ${intText(f.tokens ?? 0)} |`);
  const total = nb.findings.length + pr.newFindings.length;
  if (rows.length) lines.push('| New | Where | Upstream | Tokens |', '|---|---|---|---:|', ...rows, more(total - rows.length));
  else if (total) lines.push(more(total));
  return lines.join('\n');
}

export function renderMarkdown(result: AuditResult, opts: MarkdownOptions = {}): string {
  const max = opts.maxChars ?? 65_536;
  const files = result.summaries
    .filter((f) => !f.excluded && f.copiedTokens > 0)
    .sort((a, b) => b.copiedTokens - a.copiedTokens || a.path.localeCompare(b.path));
  const frags = fragments(result);
  const rank = { conclusive: 0, strong: 1, moderate: 2, weak: 3, info: 4 };
  const others = result.findings
    .filter((f) => ['weights', 'tokenizer', 'licence', 'hub-reference'].includes(f.kind) && rank[f.strength] <= 2)
    .sort((a, b) => rank[a.strength] - rank[b.strength] || a.kind.localeCompare(b.kind) || a.file.localeCompare(b.file));
  const footer = `\n<sub>Full evidence: the HTML or JSON report of this run. Exit status follows the verdict.</sub>\n`;
  const build = (n: number) =>
    [header(result), prSection(result, n), gates(result), filesTable(files, n), fragmentsTable(frags, n), otherTable(others, n)].filter(Boolean).join('\n') + footer;
  // Shrink the lists until the digest fits; each entry is bounded (cells are shortened), so this terminates quickly.
  for (let n = opts.topN ?? 10; n >= 0; n = n === 0 ? -1 : Math.floor(n / 2)) {
    const text = build(n);
    if (text.length <= max) return text;
  }
  // Even the header and gates do not fit: cut at a line end and say so.
  const note = '\n\n_Digest cut to fit; see the full report._\n';
  const text = build(0);
  const cut = text.lastIndexOf('\n', Math.max(0, max - note.length));
  return `${text.slice(0, Math.max(0, cut))}${note}`.slice(0, max);
}
