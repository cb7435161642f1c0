import type { DetectorContext } from '../../src/audit';
import { classify } from '../../src/discover/classify';
import { policyEvidenceDetector } from '../../src/detectors/policy-detector';
import type { FileRecord } from '../../src/evidence';
import type { SignatureIndex } from '../../src/signatures/index';
import { removeRepo, transformersPack, writeRepo } from './helpers';

describe('policyEvidenceDetector (pipeline adapter)', () => {
  let root = '';
  afterAll(() => root && removeRepo(root));

  it('reads manifests and licence files itself, caps their size, and never stops on hostile ones', async () => {
    const files: Record<string, string> = {
      'LICENSE': 'Apache License\nVersion 2.0, January 2004\n',
      'NOTICE': 'This product includes software developed by Example.',
      'requirements.txt': 'transformers\n-r requirements-big.txt\n',
      'requirements-big.txt': 'numpy\n'.repeat((10 * 1024 * 1024) / 6),
      'environment.yml': 'dependencies: [a, b\n  c: }',
      'model.py': 'from transformers import LlamaForCausalLM\nm = LlamaForCausalLM.from_pretrained("org/base")\n',
    };
    root = writeRepo(files);
    const records: FileRecord[] = Object.keys(files).map((p) => ({ path: p, kind: classify(p), bytes: files[p].length }));
    const ctx: DetectorContext = {
      root,
      files: records,
      index: { packs: [{ dir: '', manifest: transformersPack(), arrays: {} }] } as unknown as SignatureIndex,
      findings: [],
      facts: new Map(), // no worker facts: the adapter reads the code file itself
    };
    const t0 = Date.now();
    const out = await policyEvidenceDetector()(ctx);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^requirements-big\.txt: oversized/), expect.stringMatching(/^environment\.yml: cannot read/)]),
    );
    const kinds = out.findings.map((f) => `${f.kind}:${f.file}`);
    expect(kinds).toEqual(expect.arrayContaining(['imported-code:model.py', 'hub-reference:model.py', 'dependency:requirements.txt', 'licence:LICENSE']));
    expect(kinds).not.toContain('licence:NOTICE'); // attributions without a licence we know are not reported
    expect(out.findings.find((f) => f.kind === 'licence' && f.file === 'LICENSE')!.details!.licence).toBe('Apache-2.0');
  });
});
