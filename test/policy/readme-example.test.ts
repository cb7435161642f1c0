import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicy } from '../../src/policy/load';
import { tempDir } from '../helpers/fixtures';

// The README documents the policy format with an example: it must stay a policy that loads.
test('the policy example in the README loads and means what it says', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const m = /```yaml\n(version: 1\nname: ministry-2026[\s\S]*?)```/.exec(readme);
  expect(m).not.toBeNull();
  const file = path.join(tempDir('readme-policy'), 'policy.yaml');
  fs.writeFileSync(file, m![1]);
  const p = loadPolicy(file).policy;
  expect(p).toMatchObject({ name: 'ministry-2026', threshold: 0.95, ownLineage: { projects: ['hanmodel-v1'] } });
  expect(p.waivers[0]).toMatchObject({ fingerprint: 'cp:0f3a9c1d2b4e5f60', approvedBy: 'reviewer@example.org', expires: '2027-06-30' });
  expect(p.licences.deny).toContain('LicenseRef-llama3');
});
