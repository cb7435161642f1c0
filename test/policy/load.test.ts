import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicy, PolicyError } from '../../src/policy/load';
import { tempDir } from '../helpers/fixtures';

describe('policy files', () => {
  test('built-in strict and lenient load; lenient extends strict', () => {
    const s = loadPolicy('strict');
    const l = loadPolicy('lenient');
    expect(s.policy.threshold).toBe(0.95);
    expect(l.policy.threshold).toBe(0.7);
    expect(l.policy.weights.imported['model-implementation']).toBe(0);
    expect(l.policy.exclude).toEqual(s.policy.exclude); // inherited
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.sha256).not.toBe(l.sha256);
  });

  test('a user file extends a built-in and overrides values', () => {
    const dir = tempDir('pol');
    const f = path.join(dir, 'mine.yaml');
    fs.writeFileSync(f, 'name: ministry-2026\nextends: strict\nthreshold: 0.9\nown-lineage:\n  projects: [hanmodel-v1]\n');
    const p = loadPolicy(f);
    expect(p.policy).toMatchObject({ name: 'ministry-2026', threshold: 0.9, ownLineage: { projects: ['hanmodel-v1'] } });
    expect(p.source).toBe(f);
  });

  test('typos and bad values are errors naming the file and the key', () => {
    const dir = tempDir('pol-bad');
    const write = (name: string, text: string): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };
    expect(() => loadPolicy(write('a.yaml', 'extends: strict\nthreshhold: 0.5\n'))).toThrow(/a\.yaml: unknown key 'threshhold'/);
    expect(() => loadPolicy(write('b.yaml', 'extends: strict\ngates:\n  weight: pass\n'))).toThrow(/unknown key 'gates\.weight'/);
    expect(() => loadPolicy(write('c.yaml', 'extends: strict\nthreshold: 1.5\n'))).toThrow(/threshold must be a number from 0 to 1/);
    expect(() => loadPolicy(write('d.yaml', 'extends: strict\nlicences:\n  unknown: maybe\n'))).toThrow(/licences.unknown must be one of fail, review, pass/);
    expect(() => loadPolicy(write('e.yaml', 'name: [unclosed\n'))).toThrow(PolicyError);
    expect(() => loadPolicy(write('f.yaml', 'extends: f.yaml\n'))).toThrow(/cycle/);
    expect(() => loadPolicy('nonexistent-policy')).toThrow(/cannot read policy.*built-in policies are strict, lenient/);
  });
});
