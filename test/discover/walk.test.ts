import ignore from 'ignore';
import { discover, prunePatterns } from '../../src/discover/walk';
import { tempDir, writeTree } from '../helpers/fixtures';

describe('discover', () => {
  test('pruning --exclude folders during the walk gives exactly what the gitignore check alone gives', () => {
    const root = writeTree(tempDir('walk'), {
      'a.py': 'x',
      'tests/t.py': 'x',
      'pkg/tests/t.py': 'x',
      'pkg/testsuite.py': 'x',
      'site-packages/m.py': 'x',
      'pkg/site-packages/m.py': 'x',
      'build/out.py': 'x',
      'pkg/build/out.py': 'x',
      'docs/conf.py': 'x',
    });
    const excludes = ['tests/', 'site-packages/**', '/build/', '**/docs/**', '*.md'];
    const got = discover(root, { exclude: excludes }).files.map((f) => f.path).sort();
    const all = discover(root).files.map((f) => f.path);
    const ig = ignore().add(excludes);
    expect(got).toEqual(all.filter((p) => !ig.ignores(p)).sort());
    expect(got).toEqual(['a.py', 'pkg/build/out.py', 'pkg/site-packages/m.py', 'pkg/testsuite.py']);
  });

  test('prune patterns follow gitignore anchoring and skip what they cannot express', () => {
    expect(prunePatterns(['tests/', 'site-packages/**', '/build/', '**/docs/**', 'a/b/', '*.py', '!keep/', 'x*/', '**/a/b/**'])).toEqual([
      '**/tests/**',
      'site-packages/**',
      'build/**',
      '**/docs/**',
      'a/b/**',
    ]);
  });
});
