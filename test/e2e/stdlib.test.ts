// Real code, nothing committed: a pack is built at test time from part of the Python standard library installed on
// the machine, and a generated repository copies some of its functions, renamed, reformatted and stripped.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SyntaxNode } from 'tree-sitter';
import { runAudit } from '../../src/audit';
import { parsePython } from '../../src/code/parser';
import { renameIdentifiers, reformat, stripComments } from '../../src/eval/transform';
import { loadPolicy } from '../../src/policy/load';
import { buildPack } from '../../src/signatures/build';
import { tempDir, writeTree } from '../helpers/fixtures';

const STDLIB = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
const MODULES = ['textwrap.py', 'fnmatch.py', 'heapq.py', 'colorsys.py', 'difflib.py', 'shlex.py', 'bisect.py'];

/** Source text of a top-level function (or Class.method) of a stdlib module. */
function extract(file: string, name: string): string {
  const src = fs.readFileSync(path.join(STDLIB, file), 'utf8');
  const [cls, meth] = name.includes('.') ? name.split('.') : [undefined, name];
  let scope: SyntaxNode = parsePython(src).rootNode;
  if (cls) scope = scope.namedChildren.find((n) => n.type === 'class_definition' && n.childForFieldName('name')?.text === cls)!.childForFieldName('body')!;
  const def = scope.namedChildren.find((n) => {
    const d = n.type === 'decorated_definition' ? n.childForFieldName('definition') : n;
    return d?.type === 'function_definition' && d.childForFieldName('name')?.text === meth;
  });
  if (!def) throw new Error(`${name} not found in ${file}`);
  const lines = src.split('\n').slice(def.startPosition.row, def.endPosition.row + 1);
  const indent = lines[0].length - lines[0].trimStart().length;
  return lines.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n') + '\n';
}

const OWN_A = `
import json


class RunLog:
    def __init__(self, path):
        self.path = path
        self.entries = []

    def add(self, step, **metrics):
        entry = {"step": step}
        entry.update({k: round(float(v), 6) for k, v in metrics.items()})
        self.entries.append(entry)
        if len(self.entries) % 50 == 0:
            self.flush()

    def flush(self):
        with open(self.path, "a", encoding="utf-8") as out:
            for entry in self.entries:
                out.write(json.dumps(entry, sort_keys=True) + "\\n")
        self.entries.clear()
`;

const OWN_B = `
def shard_plan(n_items, n_workers, min_chunk=8):
    if n_workers <= 0:
        raise ValueError("need at least one worker")
    chunk = max(min_chunk, -(-n_items // n_workers))
    plan = []
    start = 0
    while start < n_items:
        stop = min(n_items, start + chunk)
        plan.append((start, stop))
        start = stop
    return plan
`;

describe('real code: copies from the Python standard library', () => {
  test('renamed, reformatted and comment-stripped copies are found at the right lines; own code is not', async () => {
    const packs = tempDir('stdlib-packs');
    const built = await buildPack(STDLIB, packs, { name: 'cpython-stdlib', version: 'machine', category: 'infrastructure', licence: 'PSF-2.0', include: MODULES, moduleRoots: [] });
    expect(built.manifest.files.map((f) => f.path).sort()).toEqual([...MODULES].sort());

    const pieces: { name: string; file: string; text: string }[] = [
      { name: 'translate', file: 'fnmatch.py', text: renameIdentifiers(extract('fnmatch.py', 'translate'), (n) => `${n}_r`) },
      { name: 'merge', file: 'heapq.py', text: reformat(extract('heapq.py', 'merge')) },
      { name: 'rgb_to_hls', file: 'colorsys.py', text: stripComments(extract('colorsys.py', 'rgb_to_hls')) },
      { name: 'find_longest_match', file: 'difflib.py', text: stripComments(renameIdentifiers(extract('difflib.py', 'SequenceMatcher.find_longest_match'))) },
    ];
    // One generated module: own code, then each copied function between own functions; remember where each landed.
    let text = OWN_A;
    const expected: { name: string; file: string; start: number; end: number }[] = [];
    for (const p of pieces) {
      text += '\n\n';
      const start = text.split('\n').length;
      text += p.text.trimEnd();
      expected.push({ name: p.name, file: p.file, start, end: text.split('\n').length });
      text += '\n\n' + OWN_B.replace('shard_plan', `shard_plan_${p.name}`);
    }
    const repo = writeTree(tempDir('stdlib-repo'), { 'pkg/mixed.py': text, 'pkg/own.py': OWN_A + OWN_B, 'pkg/__init__.py': '' });

    const run = await runAudit({ root: repo, signatureDirs: [packs], policy: loadPolicy('strict'), jobs: 1 });
    const copies = run.result.findings.filter((f) => f.kind === 'copied-code');
    expect(copies.every((f) => f.file === 'pkg/mixed.py')).toBe(true);
    for (const e of expected) {
      const hit = copies.filter((f) => f.upstream?.path === e.file);
      expect(hit.length).toBeGreaterThanOrEqual(1);
      const lo = Math.min(...hit.map((f) => f.lines!.start));
      const hi = Math.max(...hit.map((f) => f.lines!.end));
      // Found lines sit inside the copy (one line of slack at each edge) and cover at least 90% of it.
      expect(lo).toBeGreaterThanOrEqual(e.start - 1);
      expect(hi).toBeLessThanOrEqual(e.end + 1);
      const covered = hit.reduce((s, f) => s + (f.lines!.end - f.lines!.start + 1), 0);
      expect(covered / (e.end - e.start + 1)).toBeGreaterThanOrEqual(0.9);
      expect(hit[0].upstream).toMatchObject({ project: 'cpython-stdlib', licence: 'PSF-2.0', category: 'infrastructure' });
    }
    // The renamed copy is labelled as renamed, the stripped verbatim one as unchanged names.
    const translate = copies.find((f) => f.upstream?.path === 'fnmatch.py')!;
    expect(translate.details?.verbatim).toBeLessThan(0.8);
    const hls = copies.find((f) => f.upstream?.path === 'colorsys.py')!;
    expect(hls.details?.verbatim).toBeGreaterThan(0.95);
    // Copying infrastructure code still counts against independence (weight 1 for copies in every category).
    expect(run.result.ratio.copiedTokens).toBeGreaterThan(0);
    expect(run.result.ratio.ratio).toBeLessThan(1);
    const own = run.result.summaries.find((s) => s.path === 'pkg/own.py')!;
    expect(own.copiedTokens).toBe(0);
  });
});
