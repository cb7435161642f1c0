import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];
let cleanup = false;

/** A fresh temporary folder, removed when the process exits (one exit listener for all of them). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sa-${prefix}-`));
  made.push(dir);
  if (!cleanup) {
    cleanup = true;
    process.on('exit', () => {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Writes a tree of files: { 'a/b.py': 'text' }. */
export function writeTree(root: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}

/** A synthetic upstream library of our own: several functions with distinct bodies. */
export function syntheticUpstream(): Record<string, string> {
  const fn = (name: string, i: number): string => `
def ${name}(values, scale=${i}, offset=0.5):
    """Computes ${name}."""
    total = 0
    for index, value in enumerate(values):
        if value is None:
            continue
        weight = (index + ${i}) * scale
        if weight > ${i * 3}:
            total += value * weight - offset
        else:
            total -= value / (weight + 1)
    result = {"name": "${name}", "total": total, "count": len(values)}
    return result
`;
  const cls = `
class Accumulator:
    def __init__(self, size):
        self.size = size
        self.items = []
        self.dropped = 0

    def push(self, item):
        if len(self.items) >= self.size:
            self.items.pop(0)
            self.dropped += 1
        self.items.append(item)
        return len(self.items)

    def mean(self):
        if not self.items:
            raise ValueError("empty accumulator")
        return sum(self.items) / len(self.items)

    def spread(self):
        lo, hi = min(self.items), max(self.items)
        return {"low": lo, "high": hi, "width": hi - lo, "n": len(self.items)}
`;
  return {
    'lib/core.py': ['alpha', 'beta', 'gamma'].map((n, i) => fn(n, i + 1)).join('\n'),
    'lib/stats.py': cls,
    'lib/__init__.py': 'from .core import alpha\n',
  };
}
