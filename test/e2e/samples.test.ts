import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditResult } from '../../src/evidence';
import { tempDir } from '../helpers/fixtures';
import { cli, ROOT } from '../helpers/cli';

const PACKS = path.join(ROOT, 'samples', 'packs');

function audit(sample: string, ...extra: string[]): { code: number; result: AuditResult; stderr: string } {
  // Only the sample pack: results must not depend on what the shipped knowledge base holds.
  const r = cli([`samples/${sample}`, '--no-shipped-signatures', '--signatures', PACKS, '--format', 'json', ...extra]);
  return { code: r.code, result: JSON.parse(r.stdout) as AuditResult, stderr: r.stderr };
}

const copies = (r: AuditResult) => r.findings.filter((f) => f.kind === 'copied-code');

describe('the samples, end to end through the CLI', () => {
  test('written from scratch: ratio 100%, PASS on the ratio, exit code follows the verdict', () => {
    const { code, result } = audit('bidder-scratch');
    expect(copies(result)).toEqual([]);
    expect(result.ratio.ratio).toBe(1);
    expect(result.gates.find((g) => g.gate === 'ratio')?.status).toBe('PASS');
    expect(result.summaries.find((s) => s.path === 'tests/test_network.py')?.excluded).toMatch(/TEST_OF/);
    expect(code).toBe(result.verdict === 'FAIL' ? 1 : result.verdict === 'PASS' ? 0 : 1);
  });

  test.each([
    ['bidder-verbatim', 'blob-sha1'],
    ['bidder-renamed', 'normalized-hash'],
    ['bidder-reformatted', 'normalized-hash'],
    ['bidder-stripped', 'normalized-hash'],
  ])('%s: the three copied model files are found as whole files (%s) and the ratio is low', (sample, method) => {
    const { code, result } = audit(sample);
    const c = copies(result);
    expect(c.map((f) => [f.file, f.upstream?.path]).sort()).toEqual([
      ['hanmodel/attention.py', 'tinyformer/attention.py'],
      ['hanmodel/config.py', 'tinyformer/config.py'],
      ['hanmodel/model.py', 'tinyformer/model.py'],
    ]);
    expect(c.every((f) => f.method === method && f.upstream?.project === 'tinyformer' && f.upstream.version === '1.0')).toBe(true);
    expect(result.ratio.ratio).toBeGreaterThan(0.2);
    expect(result.ratio.ratio).toBeLessThan(0.3);
    expect(result.verdict).toBe('FAIL');
    expect(code).toBe(1);
  });

  test('renamed copies are labelled renamed, verbatim copies verbatim', () => {
    const renamed = copies(audit('bidder-renamed').result);
    expect(renamed.every((f) => (f.details?.verbatim as number) < 0.6)).toBe(true);
    const verbatim = copies(audit('bidder-verbatim').result);
    expect(verbatim.every((f) => f.details?.verbatim === 1)).toBe(true);
  });

  test('pasted: two fragments with both line ranges; the rest of the file stays own', () => {
    const { result } = audit('bidder-pasted');
    const c = copies(result).sort((a, b) => a.file.localeCompare(b.file));
    expect(c.map((f) => [f.file, f.lines, f.upstream?.path, f.upstream?.lines])).toEqual([
      ['hanmodel/network.py', { start: 58, end: 72 }, 'tinyformer/model.py', { start: 76, end: 90 }],
      ['hanmodel/pretrain.py', { start: 34, end: 41 }, 'tinyformer/train.py', { start: 8, end: 15 }],
    ]);
    expect(result.ratio.ratio).toBeGreaterThan(0.8);
    expect(result.ratio.ratio).toBeLessThan(0.9);
  });

  test('glue around an imported model class: strict counts the imported code mass, lenient does not; the hub load is under review', () => {
    const strict = audit('bidder-glue').result;
    const imported = strict.findings.filter((f) => f.kind === 'imported-code' && f.upstream?.project === 'tinyformer');
    expect(imported.map((f) => [f.upstream?.module, f.upstreamTokens]).sort()).toEqual([
      ['tinyformer.config', 169],
      ['tinyformer.model', 817],
    ]);
    expect(strict.ratio.importedTokens).toBe(986);
    expect(strict.ratio.ratio).toBeCloseTo(strict.ratio.ownTokens / (strict.ratio.ownTokens + 986), 10);
    expect(strict.gates.find((g) => g.gate === 'hub-references')).toMatchObject({ status: 'REVIEW' });
    expect(strict.gates.find((g) => g.gate === 'hub-references')?.reason).toMatch(/Qwen\/Qwen2\.5-VL-7B-Instruct/);
    expect(strict.verdict).toBe('FAIL');
    const text = cli(['samples/bidder-glue', '--no-shipped-signatures', '--signatures', PACKS]).stdout;
    expect(text).toMatch(/Dependencies: 3 declared in manifests, 0 of them never imported; 0 imported but not declared/);
    expect(text).toMatch(/sovereign\/build\.py:4 +imports TinyGPT from tinyformer\.model/);
    const lenient = audit('bidder-glue', '--policy', 'lenient').result;
    expect(lenient.ratio.importedTokens).toBe(0);
    expect(lenient.ratio.ratio).toBe(1);
    expect(lenient.verdict).toBe('REVIEW');
  });

  test('the quick start: shipped packs load beside --signatures, and the text report names the fragments, the ratio and the verdict', () => {
    const r = cli(['samples/bidder-pasted', '--signatures', PACKS]);
    expect(r.stdout).toMatch(/compared with \d+ code signature pack/);
    expect(r.stdout).toMatch(/Code independence ratio: 8\d\.\d%/);
    expect(r.stdout).toMatch(/lines 58-72 <-> tinyformer@1\.0 tinyformer\/model\.py lines 76-90 · \d+ tokens · winnowing · verbatim/);
    expect(r.stdout).toMatch(/Verdict: FAIL/);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\r/); // CI: plain progress lines, no redrawn bar
  });

  test('--fail-under overrides the threshold; --output and -o write files; report re-renders a saved result', () => {
    const dir = tempDir('cli-out');
    const json = path.join(dir, 'r.json');
    const text = path.join(dir, 'r.txt');
    const r = cli(['samples/bidder-pasted', '--signatures', PACKS, '--fail-under', '80%', '--format', 'json', '--output', json, '-o', `text=${text}`, '--no-detectors']);
    expect(r.stdout).toBe('');
    const result = JSON.parse(fs.readFileSync(json, 'utf8')) as AuditResult;
    expect(result.policy.threshold).toBe(0.8);
    expect(result.gates.find((g) => g.gate === 'ratio')?.status).toBe('PASS');
    expect(fs.readFileSync(text, 'utf8')).toMatch(/threshold 80\.0%/);
    expect(result.commandLine).toContain('--fail-under');
    const again = cli(['report', json, '--format', 'text']);
    expect(again.stdout).toMatch(/Code independence ratio: 8\d\.\d%/);
  });

  test('the JSON result carries what is needed to reproduce it', () => {
    const { result } = audit('bidder-renamed');
    expect(result.schema).toBe('scratch-audit/result@1');
    expect(result.parameters).toMatchObject({ k: 40, w: 20 });
    expect(result.packs.map((p) => p.id)).toContain('tinyformer@1.0');
    expect(result.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(result.createdAt).toISOString()).toBe(result.createdAt);
    for (const f of copies(result)) {
      expect(f.id).toMatch(/^cp:[0-9a-f]{16}$/);
      expect(f.upstream).toMatchObject({ project: 'tinyformer', version: '1.0', licence: 'MIT', category: 'model-implementation' });
    }
  });

  test('audit policy prints the effective policy with the hash that reports cite', () => {
    const { result } = audit('bidder-scratch', '--policy', 'lenient');
    const shown = cli(['policy', 'lenient']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`# builtin:lenient · sha256 ${result.policy.sha256}`);
    expect(JSON.parse(shown.stdout.split('\n').slice(1).join('\n')).threshold).toBe(0.7);
    expect(cli(['policy', 'no-such-policy']).code).toBe(2);
  });

  test('usage errors exit 2 with a message', () => {
    expect(cli(['samples/does-not-exist']).code).toBe(2);
    const bad = cli(['samples/bidder-scratch', '--fail-under', '1.7']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must be from 0 to 1/);
    const pol = cli(['samples/bidder-scratch', '--policy', 'nope']);
    expect(pol.code).toBe(2);
    expect(pol.stderr).toMatch(/cannot read policy/);
    expect(cli(['samples/bidder-scratch', '-o', 'pdf=x.pdf']).code).toBe(2);
  });

  test('signatures build writes a pack that the audit then uses', () => {
    const out = tempDir('cli-build');
    const b = cli(['signatures', 'build', 'samples/upstream/tinyformer', '--name', 'tf-copy', '--version', 'v9', '--license', 'MIT', '--category', 'model-implementation', '--out', out]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/wrote .*tf-copy@v9: 6 files/);
    const r = cli(['samples/bidder-verbatim', '--no-shipped-signatures', '--signatures', out, '--format', 'json']);
    const result = JSON.parse(r.stdout) as AuditResult;
    expect(copies(result)[0].upstream?.project).toBe('tf-copy');
  });

  test('multimodal: 100% own code, but a copied vision encoder fails the weights gate and a derived tokenizer is under review', () => {
    const { code, result } = audit('bidder-multimodal');
    expect(result.ratio.ratio).toBe(1);
    const weights = result.gates.find((g) => g.gate === 'weights')!;
    expect(weights.status).toBe('FAIL');
    expect(weights.reason).toMatch(/vision \(18\.\d% of the model's parameters\) vs tinyvision@1\.0/);
    expect(weights.checkedAgainst).toMatch(/1 registered reference: tinyvision@1\.0/);
    const w = result.findings.find((f) => f.kind === 'weights' && f.strength === 'conclusive')!;
    expect(w.file).toBe('checkpoints/model.safetensors');
    expect(result.gates.find((g) => g.gate === 'tokenizer')).toMatchObject({ status: 'REVIEW' });
    expect(result.findings.find((f) => f.kind === 'tokenizer')?.upstream?.project).toBe('tinybpe');
    // The reused encoder's licence is denied by the strict policy.
    expect(result.gates.find((g) => g.gate === 'licences')?.reason).toMatch(/tinyvision is under LicenseRef-qwen-research/);
    expect(result.verdict).toBe('FAIL');
    expect(code).toBe(1);
  });

  test('signatures build-weights and build-tokenizer write signatures the audit then uses', () => {
    const out = tempDir('cli-sigs');
    const model = path.join(ROOT, 'samples', 'bidder-multimodal', 'checkpoints');
    const w = cli(['signatures', 'build-weights', model, '--name', 'bidder-ckpt', '--revision', 'r1', '--out', path.join(out, 'weights')]);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/wrote .*bidder-ckpt@r1\.weights\.json/);
    const t = cli(['signatures', 'build-tokenizer', path.join(model, 'tokenizer.json'), '--name', 'bidder-tok', '--out', path.join(out, 'tokenizers')]);
    expect(t.code).toBe(0);
    const r = cli(['samples/bidder-multimodal', '--no-shipped-signatures', '--signatures', out, '--format', 'json']);
    const result = JSON.parse(r.stdout) as AuditResult;
    expect(result.gates.find((g) => g.gate === 'weights')?.checkedAgainst).toMatch(/bidder-ckpt@r1/);
    expect(result.findings.some((f) => f.kind === 'tokenizer' && f.strength === 'conclusive' && f.upstream?.project === 'bidder-tok')).toBe(true);
  });
});

