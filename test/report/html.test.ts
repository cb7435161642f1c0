import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtml } from '../../src/report/html';
import { layoutTreemap } from '../../src/report/html-treemap';
import { HOSTILE_PATH, makeResult, makeSources } from './fixture';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(os.tmpdir(), 'scratch-audit-report.png');

describe('renderHtml (static)', () => {
  const result = makeResult();
  const html = renderHtml(result, { sources: makeSources() });

  it('never emits hostile markup raw', () => {
    expect(/<img\b/i.test(html)).toBe(false);
    expect(html).not.toContain('onerror="window');
    // Only the two closing tags of our own script elements.
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    const json = /<script type="application\/json" id="audit-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(json).not.toMatch(/[<>\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(result);
  });

  it('carries a CSP that blocks the network and allows exactly the inline script by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1].replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    // Links are page anchors or https links to upstream files (the browser test checks that nothing has a src).
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(#|https:\/\/)/);
  });

  it('links each fragment to the upstream file at its commit, and only when remote and commit are known', () => {
    expect(html).toContain(
      'href="https://github.com/karpathy/nanoGPT/blob/93a43d9a5c22450bbf06e78da2cb6eeef084b717/model.py#L29-L77"',
    );
    expect(html).toContain(
      'href="https://github.com/huggingface/transformers/blob/984bc11b0882ff1e5b34ba717ea357e069ceced9/src/transformers/models/llama/modeling_llama.py#L100-L219"',
    );
    expect(html).not.toContain('x%3C%2Fscript%3E.py'); // hostile upstream has no remote: shown as text, no link
  });

  it('highlights matched lines when sources are given and shows only ranges without them', () => {
    // attention.py 10-58 (49 lines) + hostile file 3-5 (3 lines).
    expect(html.match(/<span class="hit">/g)).toHaveLength(52);
    const bare = renderHtml(result);
    expect(bare).not.toContain('<pre class="src">');
    expect(bare).toContain('model/attention.py:10-58');
    const capped = renderHtml(result, { sources: makeSources(), maxFragmentLines: 20 });
    expect(capped).toContain('lines not shown');
    expect(capped.match(/<span class="hit">/g)!.length).toBeLessThan(52);
  });

  it('is deterministic and lists exclusions, skipped files, gates and weights', () => {
    expect(renderHtml(result, { sources: makeSources() })).toBe(html);
    expect(html).toContain('tests/ is excluded by the path rules');
    expect(html).toContain('larger than the 2 GB read limit &lt;b&gt;');
    for (const s of ['FAIL', 'REVIEW', 'PASS', 'NOT-CHECKED']) expect(html).toContain(`class="status s-${s}"`);
    expect(html).toContain('303,179,776');
    expect(html).toContain('informational only — never decides anything');
  });
});

describe('layoutTreemap', () => {
  it('gives each file an area proportional to its tokens, without overlaps, inside its folder', () => {
    const files = makeResult().summaries;
    const { tiles, folders } = layoutTreemap(files);
    const total = files.reduce((s, f) => s + f.tokens, 0);
    expect(tiles).toHaveLength(files.length);
    for (const t of tiles) expect((t.w * t.h) / 10_000).toBeCloseTo(t.file.tokens / total, 6);
    for (const a of tiles)
      for (const b of tiles) {
        if (a === b) continue;
        const overlap = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
        expect(overlap).toBeLessThan(1e-9);
      }
    const model = folders.find((d) => d.path === 'model')!;
    for (const t of tiles.filter((x) => x.file.path.startsWith('model/'))) {
      expect(t.x).toBeGreaterThanOrEqual(model.x - 1e-9);
      expect(t.x + t.w).toBeLessThanOrEqual(model.x + model.w + 1e-9);
    }
  });
});

describe('renderHtml in Chromium', () => {
  let browser: Browser | undefined;
  let page: Page;
  let fileUrl: string;
  const requests: string[] = [];
  const failed: string[] = [];
  const consoleErrors: string[] = [];
  const result = makeResult();

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium" (the HTML report tests need a real browser)`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scratch-audit-html-'));
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderHtml(result, { sources: makeSources() }));
    fileUrl = pathToFileURL(file).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(fileUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the verdict, the ratio and one row per file summary', async () => {
    expect((await page.textContent('#verdict'))?.trim()).toBe('FAIL');
    expect((await page.textContent('#ratio'))?.trim()).toBe('16.5 %');
    expect(await page.locator('#files-table tbody tr').count()).toBe(result.summaries.length);
    const segments = await page.$$eval('#stack > div', (els) => els.map((e) => e.getBoundingClientRect().width));
    expect(segments).toHaveLength(4);
    expect(segments[2]).toBeGreaterThan(segments[0]); // imported 5,000 > own 1,670 tokens
    expect(await page.locator('.treemap .tile').count()).toBe(result.summaries.length);
  });

  it('sorts the file table when a column title is clicked', async () => {
    const firstPaths = () => page.$$eval('#files-table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect((await firstPaths())[0]).toBe('model/llama.py');
    const header = page.locator('#files-table th', { hasText: 'Copied %' });
    await header.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    const asc = await firstPaths();
    expect(asc.slice(3)).toEqual([HOSTILE_PATH, 'model/attention.py', 'model/llama.py']);
    await header.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect((await firstPaths()).slice(0, 3)).toEqual(['model/llama.py', 'model/attention.py', HOSTILE_PATH]);
    await page.locator('#files-table th', { hasText: 'Path' }).locator('button').click();
    const byPath = await firstPaths();
    expect(byPath).toEqual([...byPath].sort((a, b) => a!.localeCompare(b!)));
  });

  it('runs its own script, runs nothing injected, and shows hostile strings as text', async () => {
    expect(await page.getAttribute('html', 'data-findings')).toBe(String(result.findings.length));
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img, [src], link, iframe, object, embed, [onerror]').count()).toBe(0);
    expect(await page.locator('#files-table').textContent()).toContain(HOSTILE_PATH);
    const embedded = await page.evaluate('JSON.parse(document.getElementById("audit-data").textContent)');
    expect(embedded).toEqual(result);
    // Every in-page link (gate -> deciding finding) lands on an element.
    const dangling = await page.evaluate(
      'Array.from(document.querySelectorAll(\'a[href^="#"]\')).map((a) => a.getAttribute("href").slice(1)).filter((id) => !document.getElementById(id))',
    );
    expect(dangling).toEqual([]);
    expect(await page.locator('a[href^="#"]').count()).toBe(result.gates.reduce((n, g) => n + g.findings.length, 0));
  });

  it('makes no network request and logs no console error', async () => {
    expect(requests).toEqual([fileUrl]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('prints to A4 and leaves a screenshot for a person to look at', async () => {
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
