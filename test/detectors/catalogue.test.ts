import * as fs from 'node:fs';
import * as path from 'node:path';
import { importNamesForPypi, lookupImport, lookupPypi, normalizePypiName, pypiNameForImport } from '../../src/detectors/catalogue';

describe('import catalogue', () => {
  it('uses the longest catalogued prefix', () => {
    expect(lookupImport('vllm.engine.llm_engine')?.category).toBe('framework');
    expect(lookupImport('vllm.model_executor.models.llama')?.category).toBe('model-implementation');
    expect(lookupImport('vllm.model_executor.models.llama')?.project).toBe('vllm');
    expect(lookupImport('megatron.core.models.gpt')?.category).toBe('model-implementation');
    expect(lookupImport('megatron.training')?.category).toBe('framework');
    expect(lookupImport('transformers.models.llama')?.category).toBe('model-implementation');
    expect(lookupImport('transformers.trainer')?.category).toBe('framework');
    expect(lookupImport('torch.nn.functional')?.category).toBe('infrastructure');
    expect(lookupImport('flash_attn.flash_attn_interface')?.category).toBe('kernels');
    expect(lookupImport('peft')?.category).toBe('framework');
    expect(lookupImport('timm.models.vision_transformer')?.category).toBe('model-implementation');
  });

  it('knows the standard library, generated from the interpreter', () => {
    for (const m of ['os', 'os.path', 'json', 'collections.abc', 'asyncio', 'typing', '__future__']) {
      const e = lookupImport(m);
      expect(e?.stdlib).toBe(true);
      expect(e?.category).toBe('infrastructure');
    }
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, '../../signatures/catalogue.json'), 'utf8'));
    expect(raw.stdlib.modules.length).toBeGreaterThan(200);
    expect(raw.stdlib.source).toMatch(/sys\.stdlib_module_names/);
  });

  it('maps import names and PyPI names both ways (PEP 503)', () => {
    expect(pypiNameForImport('sklearn.linear_model')).toBe('scikit-learn');
    expect(pypiNameForImport('os')).toBeUndefined();
    expect(pypiNameForImport('some_unknown_pkg.sub')).toBe('some_unknown_pkg');
    expect(normalizePypiName('Flash_Attn')).toBe('flash-attn');
    expect(importNamesForPypi('Scikit_Learn')).toEqual(['sklearn']);
    expect(importNamesForPypi('my-private-lib')).toEqual(['my_private_lib']);
    expect(lookupPypi('open_clip_torch')?.module).toBe('open_clip');
    expect(lookupPypi('protobuf')?.project).toBe('protobuf');
    // Other distributions of the same import.
    expect(importNamesForPypi('opencv-python-headless')).toEqual(['cv2']);
    expect(lookupPypi('opencv_python_headless')?.project).toBe('opencv-python');
  });

  it('returns undefined for what it does not know', () => {
    expect(lookupImport('our_own_thing')).toBeUndefined();
  });
});
