import { detectImportedMass, firstPartyModules } from '../../src/detectors/imported-mass';
import { extractImports } from '../../src/detectors/imports';
import type { Finding } from '../../src/evidence';
import { fakePack, transformersPack } from './helpers';

function run(files: Record<string, string>, packs = [transformersPack()]): Finding[] {
  const imports = Object.entries(files).flatMap(([p, t]) => (p.endsWith('.py') ? extractImports(t, p) : []));
  return detectImportedMass({ imports, pythonPaths: Object.keys(files).filter((p) => p.endsWith('.py')), packs });
}
const importedCode = (fs: Finding[]): Finding[] => fs.filter((f) => f.kind === 'imported-code');
const summary = (fs: Finding[]): Record<string, unknown> => fs.find((f) => f.details?.summary)!.details!;

describe('imported code mass', () => {
  it('counts the defining module of an imported model class, found behind a lazy package __init__', () => {
    const glue = [
      'import torch',
      'from transformers import LlamaForCausalLM, LlamaConfig',
      '',
      'def main():',
      '    cfg = LlamaConfig(hidden_size=64)',
      '    model = LlamaForCausalLM(cfg)',
      '    return model(torch.zeros(1, 8, dtype=torch.long))',
    ].join('\n');
    const fs = importedCode(run({ 'train.py': glue }));
    const byModule = new Map(fs.map((f) => [f.upstream!.module, f]));
    expect([...byModule.keys()].sort()).toEqual([
      'transformers.models.llama.configuration_llama',
      'transformers.models.llama.modeling_llama',
    ]);
    const m = byModule.get('transformers.models.llama.modeling_llama')!;
    expect(m.upstreamTokens).toBe(9000);
    expect(m.method).toBe('import');
    expect(m.strength).toBe('strong');
    expect(m.confidence).toBe(1);
    expect(m.category).toBe('model-implementation');
    expect(m.file).toBe('train.py');
    expect(m.lines).toEqual({ start: 2, end: 2 });
    expect(m.upstream).toMatchObject({
      project: 'transformers',
      version: '4.46.0',
      licence: 'Apache-2.0',
      pack: 'transformers@4.46.0',
      symbol: 'LlamaForCausalLM',
      path: 'transformers/models/llama/modeling_llama.py',
    });
    expect(m.id).toMatch(/^imp:[0-9a-f]{16}$/);
  });

  it('counts a module once across the repository, however many files and symbols use it', () => {
    const fs = importedCode(
      run({
        'a.py': 'from transformers import LlamaForCausalLM\nLlamaForCausalLM(None)\n',
        'b.py': 'from transformers.models.llama.modeling_llama import LlamaModel, rotate_half\nLlamaModel(None); rotate_half(1)\n',
        'c.py': 'import transformers\nm = transformers.models.llama.modeling_llama.LlamaModel(None)\n',
      }),
    );
    const llama = fs.filter((f) => f.upstream!.module === 'transformers.models.llama.modeling_llama');
    expect(llama).toHaveLength(1);
    expect(llama[0].file).toBe('a.py'); // the first site, in path order
    expect(llama[0].details!.symbols).toEqual(['LlamaForCausalLM', 'LlamaModel', 'rotate_half']);
    expect((llama[0].details!.sites as unknown[]).length).toBe(4);
    expect(fs.reduce((s, f) => s + (f.upstreamTokens ?? 0), 0)).toBe(9000);
  });

  it('does not count module metadata reads (transformers.__version__)', () => {
    expect(importedCode(run({ 'v.py': 'import transformers\nprint(transformers.__version__)\n' }))).toEqual([]);
  });

  it('ignores imports that are never used', () => {
    const fs = run({ 'a.py': 'from transformers import LlamaForCausalLM\nimport torch\nx = torch.ones(2)\n' });
    expect(importedCode(fs)).toHaveLength(0);
    expect(summary(fs).unusedImports).toBe(1);
  });

  it('gives no imported-code findings for from-scratch code that imports only torch and the stdlib', () => {
    const model = [
      'import math',
      'import torch',
      'import torch.nn as nn',
      'import torch.nn.functional as F',
      'class Attention(nn.Module):',
      '    def __init__(self, d):',
      '        super().__init__()',
      '        self.qkv = nn.Linear(d, 3 * d)',
      '    def forward(self, x):',
      '        q, k, v = self.qkv(x).chunk(3, -1)',
      '        return F.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), -1) @ v',
    ].join('\n');
    const fs = run({ 'model.py': model });
    expect(importedCode(fs)).toHaveLength(0);
    const s = summary(fs);
    expect(s.infrastructure).toMatchObject({ pytorch: 3, 'python-stdlib': 1 });
  });

  it('treats a first-party module named like an upstream as the repository own code', () => {
    const files = {
      'transformers/__init__.py': '',
      'transformers/llama.py': 'class LlamaForCausalLM: pass\n',
      'train.py': 'from transformers import LlamaForCausalLM\nLlamaForCausalLM()\n',
    };
    const fs = run(files);
    expect(importedCode(fs)).toHaveLength(0);
    expect(summary(fs).firstPartyImports).toBe(1);
    // Under src/ too, and as a script's sibling module.
    expect(importedCode(run({ 'src/timm/models.py': '', 'x.py': 'import timm\ntimm.create_model("a")\n' }))).toHaveLength(0);
    expect(importedCode(run({ 'scripts/peft.py': '', 'scripts/run.py': 'import peft\npeft.get_peft_model(1)\n' }))).toHaveLength(0);
  });

  it('reports a catalogued model-implementation symbol that no pack defines, with mass 0', () => {
    const fs = importedCode(run({ 'a.py': 'import timm\nm = timm.create_model("vit_base_patch16_224")\n' }));
    expect(fs).toHaveLength(1);
    expect(fs[0].upstreamTokens).toBe(0);
    expect(fs[0].details!.unresolved).toBe(true);
    expect(fs[0].upstream).toMatchObject({ project: 'timm', module: 'timm', symbol: 'create_model', licence: 'Apache-2.0' });
    expect(fs[0].strength).not.toBe('strong');
  });

  it('takes the category of the defining module (transformers.trainer is a framework)', () => {
    const fs = importedCode(run({ 'a.py': 'from transformers import Trainer\nTrainer()\n' }));
    expect(fs).toHaveLength(1);
    expect(fs[0].category).toBe('framework');
    expect(fs[0].upstreamTokens).toBe(20000);
  });

  it('resolves star imports only to class definitions', () => {
    const pack = fakePack('mamba_ssm', '2.2.2', 'model-implementation', 'Apache-2.0', [
      { module: 'mamba_ssm', tokens: 10, symbols: [] },
      { module: 'mamba_ssm.modules.mamba_simple', tokens: 3000, symbols: [['Mamba', 'class'], ['helper', 'function']] },
    ]);
    const fs = importedCode(run({ 'a.py': 'from mamba_ssm import *\nm = Mamba(4)\nhelper()\n' }, [pack]));
    expect(fs).toHaveLength(1);
    expect(fs[0].upstream!.symbol).toBe('Mamba');
    expect(fs[0].upstreamTokens).toBe(3000);
  });

  it('derives first-party names from source roots and siblings', () => {
    const fp = firstPartyModules(['src/mylib/core/x.py', 'tools/helper.py', 'setup.py', 'pkg/sub/mod.py']);
    expect(fp.isFirstParty('mylib.core', 'train.py')).toBe(true);
    expect(fp.isFirstParty('pkg.sub.mod', 'train.py')).toBe(true);
    expect(fp.isFirstParty('helper', 'tools/run.py')).toBe(true);
    expect(fp.isFirstParty('helper', 'train.py')).toBe(false);
    expect(fp.isFirstParty('transformers', 'train.py')).toBe(false);
    expect(fp.isFirstParty('.anything', 'train.py')).toBe(true);
  });

  it("does not resolve a repository's own loose script name to an upstream's top-level script", () => {
    const pack = { ...fakePack('someproj', '1', 'model-implementation', 'MIT', [{ module: 'train', tokens: 720, symbols: [['main', 'function']] }]), importNames: undefined };
    const fs = importedCode(run({ 'run.py': 'import train\ntrain.main()\n' }, [pack]));
    expect(fs).toEqual([]);
    // The same module under a declared import name does resolve.
    const declared = { ...pack, importNames: ['train'] };
    expect(importedCode(run({ 'run.py': 'import train\ntrain.main()\n' }, [declared])).map((f) => f.upstreamTokens)).toEqual([720]);
  });
});

