import type { Finding } from '../../src/evidence';
import { renderMarkdown } from '../../src/report/markdown';
import { HOSTILE_PATH, makeResult } from './fixture';

describe('renderMarkdown', () => {
  const result = makeResult();
  const md = renderMarkdown(result);

  it('leads with the verdict and the ratio, then the gates in severity order', () => {
    expect(md.split('\n')[0]).toBe('## ❌ scratch-audit: **FAIL** — code independence 16.5 %');
    const gatesSection = md.slice(md.indexOf('### Gates'), md.indexOf('###', md.indexOf('### Gates') + 3));
    const gateRows = gatesSection.split('\n').filter((l) => /^\| (ratio|weights|tokenizer|licences|hub-references) \|/.test(l));
    expect(gateRows.map((l) => l.split('|')[2].trim())).toEqual(['❌ FAIL', '❌ FAIL', '⚠️ REVIEW', '➖ NOT-CHECKED', '✅ PASS']);
  });

  it('lists top files and fragments with upstream links at the commit', () => {
    expect(md).toContain('| `model/llama.py` | 3,000 / 3,000 | 100.0 % |');
    expect(md).toContain('(https://github.com/karpathy/nanoGPT/blob/93a43d9a5c22450bbf06e78da2cb6eeef084b717/model.py#L29-L77)');
    expect(md).not.toContain('tests/test_model.py'); // excluded files are not "files with copied code"
    expect(md).toContain('| weights | `checkpoints/vision.safetensors` | conclusive |');
    expect(md).not.toContain('raw cosine'); // informational evidence stays in the full report
  });

  it('shows hostile text literally: HTML escaped outside code spans, cells never split', () => {
    expect(md).toContain('evil\\</script\\>\\<script\\>window.\\_\\_pwned=2\\</script\\>');
    expect(md).toContain(`\`${HOSTILE_PATH}\``);
    expect(md).not.toMatch(/[\u2028\u2029]/);
    // Every table row has as many unescaped cell separators as its header.
    const withPipes = makeResult();
    withPipes.findings[0].message = 'a | b';
    withPipes.findings[0].file = 'x|y.py';
    withPipes.summaries[0].path = 'x|y.py';
    const out = renderMarkdown(withPipes);
    const rows = out.split('\n').filter((l) => l.startsWith('| `x'));
    expect(rows).toHaveLength(2);
    for (const line of rows) {
      const cells = line.replace(/\\\|/g, '').split('|').length;
      expect(cells).toBe(line.includes('/ 1,200') ? 6 : 7);
    }
  });

  it('fits the character limit and says how many entries it left out', () => {
    const big = makeResult();
    const template = big.findings[0];
    big.findings = Array.from({ length: 3000 }, (_, i): Finding => ({ ...template, id: `f${i}`, file: `pkg/m${i}.py`, tokens: 10_000 - i }));
    big.summaries = Array.from({ length: 3000 }, (_, i) => ({ path: `pkg/m${i}.py`, kind: 'python' as const, tokens: 20_000, codeLines: 100, copiedTokens: 10_000 - i, copiedLines: 50 }));
    const full = renderMarkdown(big);
    expect(full.length).toBeLessThanOrEqual(65_536);
    expect(full).toContain('_2990 more in the full report._');
    const small = renderMarkdown(big, { maxChars: 3000 });
    expect(small.length).toBeLessThanOrEqual(3000);
    expect(small).toContain('**FAIL**');
    expect(small).toMatch(/_\d+ more in the full report\._/);
    const tiny = renderMarkdown(big, { maxChars: 200 });
    expect(tiny.length).toBeLessThanOrEqual(200);
    expect(tiny).toContain('FAIL');
  });
});
