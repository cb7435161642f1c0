// Synthetic signature packs and fixture repositories for the detector tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Category } from '../../src/evidence';
import { PACK_FORMAT, type PackFile, type PackManifest, type SymbolEntry } from '../../src/signatures/pack-types';

export interface FakeModule {
  module: string;
  tokens: number;
  symbols?: [name: string, kind: SymbolEntry['kind']][];
  category?: Category;
}

/** A code pack holding only the metadata the import resolver reads (modules, symbols, masses). */
export function fakePack(project: string, version: string, category: Category, licence: string | undefined, modules: FakeModule[]): PackManifest {
  const files: PackFile[] = modules.map((m) => ({
    path: m.module.replace(/\./g, '/') + (m.module.split('.').length === 1 || m.module.endsWith('__init__') ? '/__init__.py' : '.py'),
    module: m.module,
    blobSha1: '0'.repeat(40),
    normHash: '0'.repeat(32),
    lines: m.tokens / 5,
    codeLines: m.tokens / 6,
    tokens: m.tokens,
    category: m.category,
    symbols: (m.symbols ?? []).map(([name, kind], i) => ({ name, kind, start: i * 10 + 1, end: i * 10 + 9, tokens: 50 })),
    tokenOffset: -1,
    tokenCount: -1,
    lineOffset: -1,
    lineCount: -1,
  }));
  return {
    format: PACK_FORMAT,
    kind: 'code',
    project,
    version,
    licence,
    category,
    importNames: [project],
    createdAt: '2026-01-01T00:00:00Z',
    builder: { tool: 'test', k: 25, w: 40, vocabulary: 1, includes: [], excludes: [] },
    stats: { files: files.length, lines: 0, tokens: 0, fingerprints: 0, skipped: 0 },
    files,
    sections: {},
  };
}

/** A transformers-like pack: the package __init__ defines nothing (lazy re-exports), the classes live in submodules. */
export function transformersPack(): PackManifest {
  return fakePack('transformers', '4.46.0', 'model-implementation', 'Apache-2.0', [
    { module: 'transformers', tokens: 300, symbols: [['__version__', 'variable']] },
    { module: 'transformers.models.llama', tokens: 40, symbols: [] },
    {
      module: 'transformers.models.llama.modeling_llama',
      tokens: 9000,
      symbols: [['LlamaForCausalLM', 'class'], ['LlamaModel', 'class'], ['rotate_half', 'function']],
    },
    { module: 'transformers.models.llama.configuration_llama', tokens: 700, symbols: [['LlamaConfig', 'class']] },
    { module: 'transformers.models.auto.modeling_auto', tokens: 1200, symbols: [['AutoModelForCausalLM', 'class']] },
    { module: 'transformers.trainer', tokens: 20000, symbols: [['Trainer', 'class']] },
    { module: 'transformers.utils.logging', tokens: 500, symbols: [['get_logger', 'function']] },
  ]);
}

/** Writes files under a fresh temporary folder; returns its path. */
export function writeRepo(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-detectors-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return root;
}

export function removeRepo(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

/** Lists a fixture folder the way the caller of detectPolicyEvidence would: relative paths, kinds, texts. */
export function readRepo(root: string): { path: string; kind: 'python' | 'notebook' | 'manifest' | 'licence' | 'other'; text?: string }[] {
  const out: { path: string; kind: 'python' | 'notebook' | 'manifest' | 'licence' | 'other'; text?: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else {
        const rel = path.relative(root, abs).split(path.sep).join('/');
        const kind = rel.endsWith('.py') ? 'python' : rel.endsWith('.ipynb') ? 'notebook' : /^(licen[cs]e|copying)/i.test(e.name) ? 'licence' : /requirements|pyproject|setup\.cfg|environment\.ya?ml|Pipfile/.test(e.name) ? 'manifest' : 'other';
        out.push({ path: rel, kind, text: fs.readFileSync(abs, 'utf8') });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
