import { assess, excludedBy, policyLicenceStatus } from '../../src/policy/assess';
import type { FileRecord, Finding, GateResult } from '../../src/evidence';
import { loadPolicy } from '../../src/policy/load';

const strict = loadPolicy('strict').policy;
const lenient = loadPolicy('lenient').policy;

const file = (path: string, tokens: number, codeLines = tokens / 10): FileRecord => ({ path, kind: 'python', bytes: tokens * 4, tokens, codeLines, lines: codeLines });
const copy = (id: string, path: string, tokens: number, extra: Partial<Finding> = {}): Finding => ({
  id, kind: 'copied-code', category: 'model-implementation', file: path, lines: { start: 1, end: 10 }, method: 'winnowing', confidence: 0.9,
  strength: 'strong', tokens, message: 'm', upstream: { project: 'up', version: '1', category: 'model-implementation', licence: 'MIT', path: 'u.py' }, ...extra,
});

describe('assess', () => {
  const files = [file('model.py', 1000), file('train.py', 500), file('tests/test_model.py', 300)];
  const coverage = [{ path: 'model.py', copiedTokens: 400, copiedLines: 40 }, { path: 'tests/test_model.py', copiedTokens: 300, copiedLines: 30 }];
  const findings = [copy('cp:a', 'model.py', 400), copy('cp:t', 'tests/test_model.py', 300)];

  test('ratio = own / (own + borrowed) over counted files; excluded files are listed, not counted', () => {
    const a = assess({ files, coverage, findings, detectorGates: [], policy: strict });
    expect(a.ratio.totalTokens).toBe(1500);
    expect(a.ratio.ownTokens).toBe(1100);
    expect(a.ratio.copiedTokens).toBe(400);
    expect(a.ratio.excludedTokens).toBe(300);
    expect(a.ratio.ratio).toBeCloseTo(1100 / 1500, 10);
    expect(a.summaries.find((s) => s.path === 'tests/test_model.py')?.excluded).toMatch(/TEST_OF/);
    expect(a.findings.find((f) => f.id === 'cp:t')?.details?.counted).toBe(false);
    expect(a.ratio.copiedByProject).toEqual([expect.objectContaining({ project: 'up', tokens: 400 })]);
    expect(a.gates.find((g) => g.gate === 'ratio')).toMatchObject({ status: 'FAIL', findings: ['cp:a'] });
    expect(a.verdict).toBe('FAIL');
  });

  test('--fail-under style threshold decides the ratio gate', () => {
    const a = assess({ files, coverage, findings, detectorGates: [], policy: { ...strict, threshold: 0.7 } });
    expect(a.gates.find((g) => g.gate === 'ratio')?.status).toBe('PASS');
  });

  test('imported model code counts once per module under strict and not under lenient', () => {
    const imp = (id: string, at: string): Finding => ({
      id, kind: 'imported-code', category: 'model-implementation', file: at, method: 'import', confidence: 1, strength: 'strong', upstreamTokens: 3000, message: 'i',
      upstream: { project: 'transformers', version: '4', category: 'model-implementation', module: 'transformers.models.llama.modeling_llama', pack: 'transformers@4', licence: 'Apache-2.0' },
    });
    const input = { files, coverage: [], findings: [imp('i1', 'model.py'), imp('i2', 'train.py')], detectorGates: [] as GateResult[] };
    const s = assess({ ...input, policy: strict });
    expect(s.ratio.importedTokens).toBe(3000);
    expect(s.ratio.ratio).toBeCloseTo(1500 / 4500, 10);
    const l = assess({ ...input, policy: lenient });
    expect(l.ratio.importedTokens).toBe(0);
    expect(l.ratio.ratio).toBe(1);
  });

  test('waivers keyed by finding id take a copy out of the ratio until they expire', () => {
    const waiver = { fingerprint: 'cp:a', reason: 'ORIGINAL_FINDING', approvedBy: 'reviewer', expires: '2027-01-01' };
    const a = assess({ files, coverage, findings, detectorGates: [], policy: { ...strict, waivers: [waiver] }, today: '2026-11-29' });
    expect(a.ratio.copiedTokens).toBe(0);
    expect(a.ratio.ratio).toBe(1);
    expect(a.findings.find((f) => f.id === 'cp:a')?.details?.waived).toMatchObject({ reason: 'ORIGINAL_FINDING' });
    const expired = assess({ files, coverage, findings, detectorGates: [], policy: { ...strict, waivers: [waiver] }, today: '2027-02-01' });
    expect(expired.ratio.copiedTokens).toBe(400);
    expect(expired.warnings.join()).toMatch(/expired on 2027-01-01/);
  });

  test('own lineage projects do not count', () => {
    const a = assess({ files, coverage, findings, detectorGates: [], policy: { ...strict, ownLineage: { projects: ['up'], sha256: [] } } });
    expect(a.ratio.copiedTokens).toBe(0);
  });

  test('licence gate: denied upstream licence fails, unknown follows the policy, allowed passes', () => {
    const withLicence = (licence: string | undefined) => [copy('cp:l', 'model.py', 400, { upstream: { project: 'x', version: '1', category: 'model-implementation', licence } })];
    const gate = (licence: string | undefined, policy = strict) => assess({ files, coverage, findings: withLicence(licence), detectorGates: [], policy }).gates.find((g) => g.gate === 'licences')!;
    expect(gate('MIT').status).toBe('PASS');
    expect(gate('CC-BY-NC-4.0').status).toBe('FAIL');
    expect(gate(undefined).status).toBe('FAIL');
    expect(gate(undefined, lenient).status).toBe('REVIEW');
    expect(gate('CC-BY-NC-4.0').reason).toMatch(/x is under CC-BY-NC-4.0 \(denied by the policy\)/);
    expect(policyLicenceStatus('MIT OR GPL-3.0-only', strict)).toBe('allowed');
    expect(policyLicenceStatus('MIT AND CC-BY-NC-4.0', strict)).toBe('denied');
    expect(policyLicenceStatus('GPL-3.0-only', strict)).toBe('denied'); // known, not on the allow-list
    expect(gate('GPL-3.0-only').status).toBe('FAIL');
  });

  test('hub references that load external weights put the verdict under review; local paths and excluded files do not', () => {
    const hub = (id: string, at: string, details: Record<string, unknown>, strength: Finding['strength'] = 'strong'): Finding => ({ id, kind: 'hub-reference', category: 'unknown', file: at, method: 'hub-reference', confidence: 1, strength, message: 'h', details });
    const base = { files, coverage: [], detectorGates: [] as GateResult[], policy: { ...strict, threshold: 0 } };
    expect(assess({ ...base, findings: [hub('h1', 'model.py', { loadsWeights: true, local: false, target: 'org/model' })] }).verdict).toBe('REVIEW');
    expect(assess({ ...base, findings: [hub('h2', 'model.py', { loadsWeights: true, local: true, target: './ckpt' })] }).verdict).toBe('PASS');
    expect(assess({ ...base, findings: [hub('h3', 'tests/test_model.py', { loadsWeights: true, local: false, target: 'gpt2' })] }).verdict).toBe('PASS');
    // A load whose target could not be followed is weak evidence: shown, never a verdict on its own.
    expect(assess({ ...base, findings: [hub('h4', 'model.py', { loadsWeights: true, local: false, unresolvedTarget: true }, 'weak')] }).verdict).toBe('PASS');
  });

  test('a denied licence declared inside the repository puts the licences gate under review', () => {
    const lic: Finding = { id: 'lic:1', kind: 'licence', category: 'unknown', file: 'weights/LICENSE', method: 'licence-text', confidence: 0.9, strength: 'moderate', message: 'l', details: { licence: 'LicenseRef-llama3', scope: 'file' } };
    const g = assess({ files, coverage: [], findings: [lic], detectorGates: [], policy: { ...strict, threshold: 0 } }).gates.find((x) => x.gate === 'licences')!;
    expect(g.status).toBe('REVIEW');
    expect(g.reason).toMatch(/weights\/LICENSE declares LicenseRef-llama3/);
  });

  test('detector gates are capped by the policy level and missing ones say not checked', () => {
    const weights: GateResult = { gate: 'weights', status: 'FAIL', reason: 'visual.* identical to ref', findings: ['w1'] };
    const base = { files, coverage: [], findings: [], detectorGates: [weights] };
    expect(assess({ ...base, policy: { ...strict, threshold: 0 } }).verdict).toBe('FAIL');
    const l = assess({ ...base, policy: { ...lenient, threshold: 0 } });
    expect(l.gates.find((g) => g.gate === 'weights')).toMatchObject({ status: 'REVIEW' });
    expect(l.gates.find((g) => g.gate === 'tokenizer')).toMatchObject({ status: 'NOT-CHECKED' });
    expect(l.verdict).toBe('REVIEW');
  });

  test('no countable code gives no ratio and a NOT-CHECKED ratio gate', () => {
    const a = assess({ files: [], coverage: [], findings: [], detectorGates: [], policy: strict });
    expect(a.ratio.ratio).toBeNull();
    expect(a.gates[0]).toMatchObject({ gate: 'ratio', status: 'NOT-CHECKED' });
  });

  test('path rules use gitignore semantics', () => {
    expect(excludedBy(strict.exclude, 'pkg/tests/test_x.py')?.pattern).toBe('tests/');
    expect(excludedBy(strict.exclude, 'pkg/testsuite.py')).toBeUndefined();
  });
});
