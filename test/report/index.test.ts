import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeResult } from './fixture';

// text.ts and json.ts belong to the lead; when they are not there yet, a stub stands in for them in this test only.
const SRC = path.join(__dirname, '../../src/report');
for (const [file, fn] of [['text', 'renderText'], ['json', 'renderJson']] as const) {
  if (!fs.existsSync(path.join(SRC, `${file}.ts`))) {
    jest.doMock(path.join(SRC, file), () => ({ [fn]: (r: { verdict: string }) => `${fn}:${r.verdict}` }), { virtual: true });
  }
}

const report = require('../../src/report/index') as typeof import('../../src/report/index');
const { renderText } = require('../../src/report/text') as { renderText: (r: unknown) => string };
const { renderJson } = require('../../src/report/json') as { renderJson: (r: unknown) => string };

describe('render', () => {
  const result = makeResult();

  it('dispatches every format to its renderer', () => {
    expect(report.render(result, 'text')).toBe(renderText(result));
    expect(report.render(result, 'json')).toBe(renderJson(result));
    expect(report.render(result, 'markdown')).toMatch(/^## .*\*\*FAIL\*\*/);
    expect(report.render(result, 'html')).toMatch(/^<!doctype html>/);
    expect(JSON.parse(report.render(result, 'sarif')).version).toBe('2.1.0');
    expect(JSON.parse(report.render(result, 'spdx')).spdxVersion).toBe('SPDX-2.3');
    expect(JSON.parse(report.render(result, 'cyclonedx')).specVersion).toBe('1.6');
    expect(report.REPORT_FORMATS).toEqual(['text', 'json', 'markdown', 'html', 'sarif', 'spdx', 'cyclonedx']);
  });

  it('passes options through and rejects unknown formats', () => {
    expect(report.render(result, 'markdown', { maxChars: 500 }).length).toBeLessThanOrEqual(500);
    expect(report.render(result, 'html', { sources: { 'model/attention.py': 'x = 1\n'.repeat(70) } })).toContain('<pre class="src">');
    expect(() => report.render(result, 'pdf' as never)).toThrow(/unknown report format/);
    expect(report.isReportFormat('sarif')).toBe(true);
    expect(report.isReportFormat('pdf')).toBe(false);
  });

  it('renders an empty audit (no code, ratio n/a) in every format', () => {
    const empty = makeResult();
    empty.files = [];
    empty.summaries = [];
    empty.findings = [];
    empty.warnings = [];
    empty.packs = [];
    empty.repository = { root: '/tmp/x' };
    empty.gates = empty.gates.map((g) => ({ ...g, status: 'PASS' as const, findings: [] }));
    empty.verdict = 'PASS';
    empty.ratio = { ...empty.ratio, ratio: null, ownTokens: 0, borrowedTokens: 0, copiedTokens: 0, importedTokens: 0, excludedTokens: 0, totalTokens: 0, copiedByProject: [], importedByProject: [] };
    for (const f of report.REPORT_FORMATS) expect(report.render(empty, f).length).toBeGreaterThan(0);
    expect(report.render(empty, 'markdown')).toContain('code independence n/a');
    expect(report.render(empty, 'html')).toContain('No copied fragments were found.');
    expect(JSON.parse(report.render(empty, 'sarif')).runs[0].results).toEqual([]);
    expect(JSON.parse(report.render(empty, 'spdx')).snippets).toBeUndefined();
  });

  it('does not mutate the result', () => {
    const before = JSON.stringify(result);
    for (const f of report.REPORT_FORMATS) report.render(result, f);
    expect(JSON.stringify(result)).toBe(before);
  });
});
