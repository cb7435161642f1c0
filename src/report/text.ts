import type { AuditResult, Finding } from '../evidence';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const num = (x: number): string => Math.round(x).toLocaleString('en-US');

function upstreamText(f: Finding): string {
  const u = f.upstream;
  if (!u) return '';
  const lines = u.lines ? ` lines ${u.lines.start}-${u.lines.end}` : '';
  return `${u.project}@${u.version} ${u.path ?? u.module ?? ''}${lines}`;
}

function fragmentLine(f: Finding): string {
  const d = f.details ?? {};
  const where = f.lines ? `lines ${f.lines.start}-${f.lines.end}` : 'whole file';
  const nb = typeof d.notebook === 'string' ? ` (${d.notebook})` : '';
  let how: string = f.method;
  if (typeof d.verbatim === 'number') {
    const v = Math.round(d.verbatim * 100);
    how += v >= 95 ? ` · verbatim (${v}% of names unchanged)` : ` · renamed (${v}% of names unchanged)`;
  }
  const flags = [d.waived ? 'waived' : '', d.ownLineage ? 'own lineage' : '', d.excluded ? 'excluded path' : ''].filter(Boolean);
  const alts = Array.isArray(d.alternatives) && d.alternatives.length ? `\n        also matches: ${(d.alternatives as string[]).join('; ')}` : '';
  return `    ${where}${nb} <-> ${upstreamText(f)} · ${num(f.tokens ?? 0)} tokens · ${how} · ${f.strength}${flags.length ? ` [${flags.join(', ')}]` : ''}${alts}`;
}

/** PR mode (`--since`): the ratio before and after, and what the change adds. */
function prSection(result: AuditResult): string[] {
  const pr = result.pr;
  if (!pr) return [];
  const out: string[] = [''];
  const byId = new Map(result.findings.map((f) => [f.id, f]));
  const delta = pr.ratioBefore !== null && pr.ratioAfter !== null ? ` (${pr.ratioAfter >= pr.ratioBefore ? '+' : ''}${((pr.ratioAfter - pr.ratioBefore) * 100).toFixed(1)} points)` : '';
  out.push(`Pull request: since ${pr.base} (merge base ${pr.mergeBase.slice(0, 12)}${pr.deepened ? ', shallow clone deepened' : ''}; head = the working tree)`);
  out.push(`  ratio before → after: ${pct(pr.ratioBefore)} → ${pct(pr.ratioAfter)}${delta}${pr.verdictBefore ? ` · verdict before ${pr.verdictBefore}, after ${result.verdict}` : ''}`);
  out.push(`  changed files: ${pr.changedFiles.length} (${num(pr.addedLines)} added lines)`);
  const nb = pr.newBorrowed;
  out.push(`  new borrowed code: ${nb.findings.length} fragment(s), ${num(nb.tokens)} tokens${nb.files.length ? ` in ${nb.files.join(', ')}` : ''}`);
  for (const id of nb.findings.slice(0, 20)) {
    const f = byId.get(id);
    if (f) out.push(`    ${f.file}${f.lines ? ` lines ${f.lines.start}-${f.lines.end}` : ''} <-> ${upstreamText(f)} · ${num(f.tokens ?? 0)} tokens`);
  }
  if (nb.findings.length > 20) out.push(`    … ${nb.findings.length - 20} more in the JSON report`);
  out.push(`  new imports, hub references, weights: ${pr.newFindings.length}`);
  for (const id of pr.newFindings.slice(0, 10)) {
    const f = byId.get(id);
    if (f) out.push(`    [${f.kind}] ${f.file}${f.lines ? `:${f.lines.start}` : ''}  ${f.message}`);
  }
  if (pr.newFindings.length > 10) out.push(`    … ${pr.newFindings.length - 10} more in the JSON report`);
  if (pr.removedFindings.length) out.push(`  findings of the base gone in the head: ${pr.removedFindings.length}`);
  return out;
}

/** The terminal report: verdict first, then the ratio with its breakdown, the evidence, the gates and what was skipped. */
export function renderText(result: AuditResult): string {
  const out: string[] = [];
  const r = result.ratio;
  const repo = result.repository;
  out.push(`scratch-audit ${result.tool.version} · ${repo.root}${repo.commit ? ` @ ${repo.commit.slice(0, 12)}${repo.dirty ? ' (uncommitted changes)' : ''}` : ''}`);
  const code = result.packs.filter((p) => p.kind === 'code');
  const shown = code.slice(0, 6).map((p) => p.id).join(', ');
  out.push(`policy ${result.policy.name} (sha256 ${result.policy.sha256.slice(0, 16)}…) · threshold ${pct(result.policy.threshold)}`);
  out.push(`compared with ${code.length} code signature pack(s)${shown ? `: ${shown}${code.length > 6 ? `, … (${code.length - 6} more in the JSON report)` : ''}` : ''}`);
  out.push('');
  out.push(`Code independence ratio: ${pct(r.ratio)}   = own / (own + borrowed), in code tokens`);
  out.push(`  own        ${num(r.ownTokens).padStart(9)} tokens  ${num(r.ownLines).padStart(7)} lines`);
  out.push(`  copied     ${num(r.copiedTokens).padStart(9)} tokens  ${num(r.copiedLines).padStart(7)} lines`);
  for (const p of r.copiedByProject) out.push(`               ${num(p.tokens).padStart(9)}  ${p.project}@${p.version} (${p.category}${p.licence ? `, ${p.licence}` : ''})`);
  out.push(`  imported   ${num(r.importedTokens).padStart(9)} tokens  (code mass of imported upstream modules, weighted by category)`);
  for (const p of r.importedByProject) {
    const weight = p.tokens === p.rawTokens ? '' : ` · ${num(p.rawTokens)} tokens of upstream code, weight ${(p.tokens / Math.max(1, p.rawTokens)).toFixed(2)} under this policy`;
    out.push(`               ${num(p.tokens).padStart(9)}  ${p.project}@${p.version} (${p.category}${p.licence ? `, ${p.licence}` : ''})${weight}`);
  }
  const excludedFiles = result.summaries.filter((s) => s.excluded);
  out.push(`  excluded   ${num(r.excludedTokens).padStart(9)} tokens  in ${excludedFiles.length} file(s) by path rules`);
  out.push(...prSection(result));

  const copies = result.findings.filter((f) => f.kind === 'copied-code');
  if (copies.length) {
    out.push('');
    out.push(`Borrowed fragments (${copies.length})`);
    const byFile = new Map<string, Finding[]>();
    for (const f of copies) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [file, fs] of byFile) {
      const s = result.summaries.find((x) => x.path === file);
      const share = s && s.tokens ? ` · ${pct(s.copiedTokens / s.tokens)} of its ${num(s.tokens)} tokens` : '';
      out.push(`  ${file}${share}`);
      for (const f of fs) out.push(fragmentLine(f));
    }
  }
  const imports = result.findings.filter((f) => f.kind === 'imported-code');
  if (imports.length) {
    out.push('');
    out.push(`Imported upstream code (${imports.length})`);
    for (const f of imports) out.push(`  ${f.file}${f.lines ? `:${f.lines.start}` : ''}  ${f.message}`);
  }
  const deps = result.findings.filter((f) => f.kind === 'dependency' && !f.details?.summary);
  if (deps.length) {
    const undeclared = deps.filter((f) => f.details?.undeclared === true);
    const declared = deps.filter((f) => f.details?.undeclared !== true);
    const unused = declared.filter((f) => f.details?.used === false);
    out.push('');
    out.push(`Dependencies: ${declared.length} declared in manifests, ${unused.length} of them never imported${unused.length ? ` (${unused.map((f) => f.details?.name).slice(0, 8).join(', ')})` : ''}; ${undeclared.length} imported but not declared${undeclared.length ? ` (${undeclared.map((f) => f.details?.importName).slice(0, 8).join(', ')})` : ''}`);
  }
  const others = result.findings.filter((f) => !['copied-code', 'imported-code', 'dependency'].includes(f.kind) && f.strength !== 'info');
  if (others.length) {
    out.push('');
    out.push(`Other evidence (${others.length})`);
    for (const f of others) out.push(`  [${f.kind}] ${f.file}${f.lines ? `:${f.lines.start}` : ''}  ${f.message} (${f.method}, ${f.strength})`);
  }

  out.push('');
  out.push('Gates');
  for (const g of result.gates) out.push(`  ${g.gate.padEnd(15)} ${g.status.padEnd(11)} ${g.reason}${g.checkedAgainst ? ` · ${g.checkedAgainst}` : ''}`);
  if (excludedFiles.length) {
    out.push('');
    out.push(`Excluded from the ratio (${excludedFiles.length})`);
    for (const s of excludedFiles.slice(0, 20)) out.push(`  ${s.path}: ${s.excluded}`);
    if (excludedFiles.length > 20) out.push(`  … ${excludedFiles.length - 20} more in the JSON report`);
  }
  if (result.warnings.length) {
    out.push('');
    out.push(`Warnings (${result.warnings.length}): files skipped or read with problems; the audit went on`);
    for (const w of result.warnings.slice(0, 30)) out.push(`  ${w}`);
    if (result.warnings.length > 30) out.push(`  … ${result.warnings.length - 30} more in the JSON report`);
  }
  out.push('');
  out.push(`${result.summaries.length} code file(s), ${num(r.totalTokens + r.excludedTokens)} tokens, in ${(result.timings.total / 1000).toFixed(2)} s`);
  out.push(`Verdict: ${result.verdict}`);
  return out.join('\n') + '\n';
}
