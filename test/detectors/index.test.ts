import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectPolicyEvidence, notebookSource } from '../../src/detectors/index';
import type { Finding } from '../../src/evidence';
import { readRepo, removeRepo, transformersPack, writeRepo } from './helpers';

const notebook = JSON.stringify({
  cells: [
    { cell_type: 'markdown', source: ['# Try it'] },
    { cell_type: 'code', source: ['!pip install transformers\n', 'from transformers import AutoTokenizer\n'] },
    { cell_type: 'code', source: 'tok = AutoTokenizer.from_pretrained("meta-llama/Meta-Llama-3-8B")\n' },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
});

describe('detectPolicyEvidence on a fixture repository', () => {
  let root = '';
  afterAll(() => root && removeRepo(root));

  it('runs every detector over a glue repository around an imported architecture', () => {
    root = writeRepo({
      'LICENSE': 'MIT License\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software ... The above copyright notice and this permission notice shall be included in all copies',
      'requirements.txt': 'torch>=2.2\ntransformers==4.46.0\n-r requirements/extra.txt\n',
      'requirements/extra.txt': 'wandb\n-r ../requirements.txt\n',
      'pyproject.toml': '[project\nname = broken',
      'ourmodel/__init__.py': '',
      'ourmodel/model.py': [
        '# SPDX-License-Identifier: MIT',
        'import torch',
        'from transformers import LlamaForCausalLM, LlamaConfig',
        'from .utils import helper',
        'BASE = "meta-llama/Llama-3.1-8B"',
        'def build():',
        '    return LlamaForCausalLM.from_pretrained(BASE, torch_dtype=torch.bfloat16)',
        'def fresh():',
        '    return LlamaForCausalLM(LlamaConfig())',
      ].join('\n'),
      'ourmodel/utils.py': 'def helper():\n    return 1\n',
      'notebooks/demo.ipynb': notebook,
    });
    const files = readRepo(root);
    const readFile = (rel: string): string | undefined => {
      try {
        return fs.readFileSync(path.join(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    };
    const out = detectPolicyEvidence({ files, packs: [transformersPack()], upstreamFindings: [], readFile });
    const kind = (k: Finding['kind']): Finding[] => out.findings.filter((f) => f.kind === k);

    // Imports per file, with first-party marked.
    expect(Object.keys(out.imports).sort()).toEqual(['notebooks/demo.ipynb', 'ourmodel/__init__.py', 'ourmodel/model.py', 'ourmodel/utils.py']);
    expect(out.imports['ourmodel/model.py'].find((u) => u.module === '.utils')!.firstParty).toBe(true);

    // Imported mass: the two llama modules, once each.
    const imported = kind('imported-code');
    const counted = imported.filter((f) => !f.details!.unresolved);
    expect(counted.map((f) => f.upstream!.module).sort()).toEqual(['transformers.models.llama.configuration_llama', 'transformers.models.llama.modeling_llama']);
    expect(counted.reduce((s, f) => s + f.upstreamTokens!, 0)).toBe(9700);
    // AutoTokenizer is not in the synthetic pack: shown, weighing nothing.
    const unresolved = imported.filter((f) => f.details!.unresolved);
    expect(unresolved.map((f) => `${f.file}:${f.upstream!.symbol}:${f.upstreamTokens}`)).toEqual(['notebooks/demo.ipynb:AutoTokenizer:0']);

    // Notebook code cells are read: the tokenizer from the hub, and its import.
    expect(out.imports['notebooks/demo.ipynb'].map((u) => u.module)).toEqual(['transformers']);
    const hub = kind('hub-reference');
    expect(hub.map((f) => `${f.file}:${f.details!.target}:${f.details!.loads}`).sort()).toEqual([
      'notebooks/demo.ipynb:meta-llama/Meta-Llama-3-8B:tokenizer',
      'ourmodel/model.py:meta-llama/Llama-3.1-8B:weights',
    ]);
    expect(hub.find((f) => f.details!.loads === 'weights')!.details!.viaConstant).toBe('BASE');

    // Manifests: the recursive include is a warning, the broken pyproject another; the audit goes on.
    expect(out.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^requirements\/extra\.txt:2: recursive include/), expect.stringMatching(/^pyproject\.toml: cannot read/)]),
    );
    const deps = kind('dependency').filter((f) => !f.details!.summary);
    expect(deps.filter((f) => !f.details!.undeclared).map((f) => `${f.details!.normalized}:${f.details!.used}`).sort()).toEqual(['torch:true', 'transformers:true', 'wandb:false']);
    expect(deps.filter((f) => f.details!.undeclared)).toEqual([]);

    // Licences: the repository's MIT file and tag, and transformers as the upstream of the imported findings.
    const lic = kind('licence');
    expect(lic.find((f) => f.details!.source === 'licence-file')!.details).toMatchObject({ licence: 'MIT', scope: 'repository' });
    expect(lic.find((f) => f.details!.source === 'spdx-tag')!.details).toMatchObject({ licence: 'MIT' });
    expect(lic.find((f) => f.details!.scope === 'upstream')!.details).toMatchObject({ licence: 'Apache-2.0', project: 'transformers' });

    // Every id is stable and unique.
    const ids = out.findings.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    const again = detectPolicyEvidence({ files: [...files].reverse(), packs: [transformersPack()], upstreamFindings: [], readFile });
    expect(again.findings.map((f) => f.id).sort()).toEqual([...ids].sort());
  });

  it('finds nothing to count in a from-scratch model that imports only torch', () => {
    const out = detectPolicyEvidence({
      files: [
        { path: 'model.py', kind: 'python', text: 'import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        return torch.relu(x)\n' },
        { path: 'train.py', kind: 'python', text: 'from model import M\nimport torch\nm = M()\ntorch.save(m.state_dict(), "./out/m.pt")\n' },
        { path: 'requirements.txt', kind: 'manifest', text: 'torch\n' },
      ],
      packs: [transformersPack()],
      upstreamFindings: [],
    });
    expect(out.findings.filter((f) => f.kind === 'imported-code' || f.kind === 'hub-reference')).toEqual([]);
    expect(out.findings.filter((f) => f.details?.undeclared)).toEqual([]); // `model` is first-party
    expect(out.warnings).toEqual([]);
  });

  it('joins notebook code cells and blanks shell and magic lines', () => {
    const src = notebookSource(notebook);
    expect(src).not.toContain('!pip install transformers');
    expect(src).toContain('from transformers import AutoTokenizer');
    expect(src).toContain('tok = AutoTokenizer.from_pretrained');
    expect(src).not.toContain('# Try it');
    expect(notebookSource('import torch\n')).toBe('import torch\n'); // already joined by the caller
    expect(notebookSource('{ not json')).toBe('');
  });
});
