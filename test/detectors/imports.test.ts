import { extractImports, type ImportUse } from '../../src/detectors/imports';

const find = (uses: ImportUse[], pred: (u: ImportUse) => boolean): ImportUse => {
  const u = uses.find(pred);
  if (!u) throw new Error('import not found');
  return u;
};

describe('extractImports', () => {
  const src = [
    'import os, sys as system', // 1
    'import torch.nn as nn', // 2
    'import transformers', // 3
    'import a.b.c', // 4
    'from transformers import LlamaForCausalLM, AutoTokenizer as AT', // 5
    'from . import sibling', // 6
    'from ..pkg.mod import thing', // 7
    'from numpy import *', // 8
    'try:', // 9
    '    import flash_attn', // 10
    'except ImportError:', // 11
    '    flash_attn = None', // 12
    'def build(x, nn_width=3):', // 13
    '    import peft', // 14
    '    m = importlib.import_module("timm.models")', // 15
    '    __import__("einops")', // 16
    '    return transformers.models.llama.LlamaModel(x), LlamaForCausalLM(a.b.c.D)', // 17
    'class Net(nn.Module):', // 18
    '    pass', // 19
    'y = zeros(3) + system.maxsize', // 20
  ].join('\n');
  const uses = extractImports(src, 'pkg/m.py');

  it('reads every import form with its line', () => {
    expect(uses.map((u) => `${u.kind}:${u.module}:${u.name ?? ''}:${u.binding ?? ''}:${u.line}`)).toEqual([
      'import:os::os:1',
      'import:sys::system:1',
      'import:torch.nn::nn:2',
      'import:transformers::transformers:3',
      'import:a.b.c::a:4',
      'from:transformers:LlamaForCausalLM:LlamaForCausalLM:5',
      'from:transformers:AutoTokenizer:AT:5',
      'from:.:sibling:sibling:6',
      'from:..pkg.mod:thing:thing:7',
      'star:numpy:::8',
      'import:flash_attn::flash_attn:10',
      'import:peft::peft:14',
      'dynamic:timm.models::m:15',
      'dynamic:einops:::16',
    ]);
  });

  it('tells used from unused bindings, by identifier and attribute chain', () => {
    expect(find(uses, (u) => u.binding === 'os').used).toBe(false);
    expect(find(uses, (u) => u.binding === 'system').used).toBe(true);
    expect(find(uses, (u) => u.binding === 'AT').used).toBe(false);
    const llama = find(uses, (u) => u.name === 'LlamaForCausalLM');
    expect(llama.used).toBe(true);
    expect(llama.useLines).toEqual([17]);
    // `flash_attn = None` rebinds the name; it is not a use.
    expect(find(uses, (u) => u.module === 'flash_attn').used).toBe(false);
    expect(find(uses, (u) => u.module === 'peft').used).toBe(false);
  });

  it('records attribute chains read on module bindings', () => {
    const tf = find(uses, (u) => u.binding === 'transformers');
    expect(tf.bindingModule).toBe('transformers');
    expect(tf.attributes.map((a) => a.chain.join('.'))).toEqual(['models.llama.LlamaModel']);
    expect(tf.attributes[0].line).toBe(17);
    const abc = find(uses, (u) => u.module === 'a.b.c');
    expect(abc.bindingModule).toBe('a');
    expect(abc.attributes.map((a) => a.chain.join('.'))).toEqual(['b.c.D']);
    expect(find(uses, (u) => u.binding === 'nn').attributes.map((a) => a.chain.join('.'))).toEqual(['Module']);
  });

  it('marks relative imports first-party and conditional/function-local ones', () => {
    expect(find(uses, (u) => u.module === '.').firstParty).toBe(true);
    expect(find(uses, (u) => u.module === '..pkg.mod').level).toBe(2);
    expect(find(uses, (u) => u.module === 'transformers' && u.kind === 'import').firstParty).toBe(false);
    const fa = find(uses, (u) => u.module === 'flash_attn');
    expect(fa.conditional).toBe(true);
    expect(fa.scope).toBe('module');
    const peft = find(uses, (u) => u.module === 'peft');
    expect(peft.scope).toBe('function');
    expect(find(uses, (u) => u.module === 'os').conditional).toBe(false);
  });

  it('offers a star import only the names the file does not bind itself', () => {
    const star = find(uses, (u) => u.kind === 'star');
    const names = star.starNames!.map((n) => n.name);
    expect(names).toContain('zeros');
    expect(names).not.toContain('x'); // a parameter
    expect(names).not.toContain('build'); // defined here
    expect(names).not.toContain('LlamaForCausalLM'); // imported by name
    expect(star.used).toBe(true);
  });

  it('reads dynamic imports with literal names only, and their bindings', () => {
    const dyn = extractImports('import importlib\nmod = importlib.import_module("vllm.model_executor.models")\nmod.LlamaForCausalLM\nname = "x"\nimportlib.import_module(name)\n', 'd.py');
    const d = dyn.filter((u) => u.kind === 'dynamic');
    expect(d).toHaveLength(1);
    expect(d[0].binding).toBe('mod');
    expect(d[0].bindingModule).toBe('vllm.model_executor.models');
    expect(d[0].attributes[0].chain).toEqual(['LlamaForCausalLM']);
    expect(d[0].used).toBe(true);
  });

  it('does not count keyword-argument names, attribute names or parameters as uses', () => {
    const u = extractImports('from x import cfg, dim, p\nf(cfg=1)\nobj.dim\ndef g(p):\n    return p\n', 'k.py');
    expect(u.map((i) => i.used)).toEqual([false, false, false]);
  });

  it('survives syntax errors', () => {
    const u = extractImports('import torch\ndef broken(:\n    torch.zeros(1)\n', 'bad.py');
    expect(u[0].module).toBe('torch');
  });
});
