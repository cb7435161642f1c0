import { findHubReferences, hubFindings, isLocalTarget } from '../../src/detectors/hub-references';
import type { Finding } from '../../src/evidence';

const src = [
  'import os, torch, timm, open_clip, clip', // 1
  'import torchvision.models as tvm', // 2
  'from transformers import AutoModelForCausalLM, AutoTokenizer, AutoProcessor, AutoConfig, pipeline', // 3
  'from transformers import AutoModel as AM', // 4
  'from huggingface_hub import snapshot_download, hf_hub_download', // 5
  'from sentence_transformers import SentenceTransformer', // 6
  'from dataclasses import dataclass, field', // 7
  'import argparse', // 8
  'MODEL_ID = "meta-llama/Llama-2-7b-hf"', // 9
  'CFG = {"model": "org/cfg-model", "layers": 3}', // 10
  '@dataclass', // 11
  'class Args:', // 12
  '    model_name_or_path: str = field(default="mistralai/Mistral-7B-v0.1")', // 13
  'def load(name="gpt2"):', // 14
  '    return AM.from_pretrained(name)', // 15
  'm = AutoModelForCausalLM.from_pretrained(MODEL_ID)', // 16
  't = AutoTokenizer.from_pretrained("bert-base-uncased")', // 17
  'c = AutoConfig.from_pretrained("org/config-only")', // 18
  'm2 = AM.from_config(c)', // 19
  'm3 = AutoModelForCausalLM.from_pretrained("./ckpt/final")', // 20
  'm4 = AutoModelForCausalLM.from_pretrained(os.path.join(out_dir, "step-1000"))', // 21
  'm5 = AutoModelForCausalLM.from_pretrained(CFG["model"])', // 22
  'p = pipeline("text-generation", model="org/pipe")', // 23
  'p2 = pipeline("sentiment-analysis")', // 24
  'snapshot_download(repo_id="org/snap")', // 25
  'hf_hub_download("org/h", filename="model.safetensors")', // 26
  'hf_hub_download("org/h", filename="tokenizer.json")', // 27
  'torch.hub.load("facebookresearch/dino:main", "dino_vits16")', // 28
  'timm.create_model("vit_base_patch16_224", pretrained=True)', // 29
  'timm.create_model("vit_base_patch16_224")', // 30
  'open_clip.create_model_and_transforms("ViT-B-32", pretrained="laion2b_s34b_b79k")', // 31
  'SentenceTransformer("all-MiniLM-L6-v2")', // 32
  'a = Args()', // 33
  'AutoModelForCausalLM.from_pretrained(a.model_name_or_path)', // 34
  'parser = argparse.ArgumentParser(); parser.add_argument("--base-model", default="org/argp")', // 35
  'args = parser.parse_args()', // 36
  'AutoModelForCausalLM.from_pretrained(args.base_model)', // 37
  'AutoModelForCausalLM.from_pretrained(some_variable)', // 38
  'proc = AutoProcessor.from_pretrained("/data/models/processor")', // 39
  'tvm.resnet50(weights="IMAGENET1K_V2")', // 40
  'tvm.resnet50()', // 41
  'clip.load("ViT-B/32")', // 42
  'AutoModelForCausalLM.from_pretrained("checkpoints/run1")', // 43
  'torch.hub.load("./hubconf_dir", "m", source="local")', // 44
].join('\n');

const findings = hubFindings(findHubReferences(src, 'train.py', undefined, new Set(['checkpoints'])));
const at = (line: number): Finding[] => findings.filter((f) => (f.details!.lines as number[]).includes(line));
const one = (line: number): Finding => {
  const fs = at(line);
  if (fs.length !== 1) throw new Error(`line ${line}: ${fs.length} findings`);
  return fs[0];
};
const externalWeights = (line: number): void => {
  const f = one(line);
  expect(f.kind).toBe('hub-reference');
  expect(f.method).toBe('hub-reference');
  expect(f.details).toMatchObject({ loadsWeights: true, local: false });
  expect(f.strength).toBe('strong');
};

describe('hub references', () => {
  it('finds external weight loads in every supported form', () => {
    for (const line of [15, 16, 22, 23, 25, 26, 28, 29, 31, 32, 34, 37, 40, 42]) externalWeights(line);
    expect(one(16).details).toMatchObject({ call: 'transformers.AutoModelForCausalLM.from_pretrained', target: 'meta-llama/Llama-2-7b-hf' });
    expect(one(28).details!.target).toBe('facebookresearch/dino:main:dino_vits16');
    expect(one(31).details!.target).toBe('ViT-B-32:laion2b_s34b_b79k');
    expect(one(26).details!.target).toBe('org/h/model.safetensors');
    expect(one(16).upstream).toMatchObject({ project: 'meta-llama/Llama-2-7b-hf', version: 'main', remote: 'https://huggingface.co/meta-llama/Llama-2-7b-hf' });
    const pinned = hubFindings(findHubReferences('from transformers import AutoModel\nAutoModel.from_pretrained("org/m", revision="v1.0")\n', 'p.py'));
    expect(pinned[0].upstream!.version).toBe('v1.0');
    expect(pinned[0].details!.revision).toBe('v1.0');
  });

  it('follows string constants within the file and names them', () => {
    expect(one(16).details!.viaConstant).toBe('MODEL_ID');
    expect(one(15).details).toMatchObject({ target: 'gpt2', viaConstant: 'name' }); // default argument
    expect(one(22).details).toMatchObject({ target: 'org/cfg-model', viaConstant: 'CFG["model"]' }); // dict literal
    expect(one(34).details).toMatchObject({ target: 'mistralai/Mistral-7B-v0.1' }); // dataclass field default
    expect(one(37).details).toMatchObject({ target: 'org/argp', viaConstant: 'args.base_model' }); // argparse default
  });

  it('tells pipeline defaults and tokenizers apart', () => {
    expect(one(24).details!.target).toMatch(/default model for task sentiment-analysis/);
    const tok = one(17);
    expect(tok.details).toMatchObject({ loadsWeights: false, loads: 'tokenizer', local: false, target: 'bert-base-uncased' });
    expect(tok.strength).toBe('moderate');
    expect(one(27).details).toMatchObject({ loadsWeights: false, loads: 'tokenizer' });
  });

  it('does not flag architecture-only use, configs or local paths as external weight loads', () => {
    for (const line of [18, 19, 20, 21, 30, 39, 43, 44]) {
      const f = one(line);
      expect(f.strength).toBe('info');
      expect(f.details!.loadsWeights === false || f.details!.local === true).toBe(true);
    }
    expect(one(19).details).toMatchObject({ call: 'transformers.AutoModel.from_config', loadsWeights: false, loads: 'architecture' });
    expect(one(30).details).toMatchObject({ loadsWeights: false, loads: 'architecture' });
    expect(one(20).details).toMatchObject({ loadsWeights: true, local: true });
    expect(one(21).details).toMatchObject({ local: true, target: 'os.path.join(out_dir, "step-1000")' });
    expect(one(43).details).toMatchObject({ local: true }); // a folder of the repository
    expect(at(41)).toEqual([]); // torchvision constructor without weights
  });

  it('shows a load whose target it cannot read as weak evidence', () => {
    const f = one(38);
    expect(f.strength).toBe('weak');
    expect(f.details).toMatchObject({ target: null, loadsWeights: true, unresolvedTarget: true });
  });

  it('gives stable ids that do not depend on the line, and merges repeats', () => {
    const a = hubFindings(findHubReferences('from transformers import AutoModel\nAutoModel.from_pretrained("gpt2")\n', 'x.py'));
    const b = hubFindings(findHubReferences('from transformers import AutoModel\n\n\nAutoModel.from_pretrained("gpt2")\nAutoModel.from_pretrained("gpt2")\n', 'x.py'));
    expect(a[0].id).toBe(b[0].id);
    expect(b).toHaveLength(1);
    expect(b[0].details!.occurrences).toBe(2);
  });

  it('follows aliased imports of the loading functions', () => {
    const f = findHubReferences('from transformers import pipeline as make\nfrom sentence_transformers import SentenceTransformer as ST\nmake("ner", model="org/ner")\nST("org/st")\n', 'z.py');
    expect(f.map((r) => `${r.call}:${r.target}`)).toEqual(['transformers.pipeline:org/ner', 'sentence_transformers.SentenceTransformer:org/st']);
  });

  it('ignores same-named calls that are not the hub APIs', () => {
    const f = findHubReferences('def pipeline(x): return x\npipeline("a", "b")\nmy.create_model("x")\n', 'y.py');
    expect(f).toEqual([]);
  });

  it('classifies targets', () => {
    expect(isLocalTarget('gpt2')).toBe(false);
    expect(isLocalTarget('org/model')).toBe(false);
    expect(isLocalTarget('https://example.org/w.bin')).toBe(false);
    expect(isLocalTarget('./ckpt')).toBe(true);
    expect(isLocalTarget('/data/models/x')).toBe(true);
    expect(isLocalTarget('~/models/x')).toBe(true);
    expect(isLocalTarget('a/b/c')).toBe(true);
    expect(isLocalTarget('model.safetensors')).toBe(true);
    expect(isLocalTarget('ckpt/best', new Set(['ckpt']))).toBe(true);
  });
});
