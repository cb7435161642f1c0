import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { renderCycloneDx } from '../../src/report/cyclonedx';
import { HOSTILE_PATH, makeResult } from './fixture';

// Parsed output documents: the schema checks their shape, the tests read them freely.
type AnyJson = any;

const SCHEMA_DIR = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
const readSchema = (f: string) => JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, f), 'utf8'));

/**
 * The library's own JsonStrictValidator needs the optional peer ajv-formats-draft2019, which is not installed;
 * this builds the same validator (same bundled schemas, same ajv settings) from ajv and ajv-formats.
 */
function validator() {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    schemas: {
      'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': readSchema('spdx.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': readSchema('jsf-0.82.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json': readSchema('cryptography-defs.SNAPSHOT.schema.json'),
    },
  });
  addFormats(ajv);
  ajv.addFormat('idn-email', true);
  ajv.addFormat('iri-reference', true);
  return ajv.compile(readSchema('bom-1.6.SNAPSHOT.schema.json'));
}

describe('renderCycloneDx', () => {
  const result = makeResult();
  const text = renderCycloneDx(result);
  const bom: AnyJson = JSON.parse(text);
  const comp = (ref: string) => bom.components.find((c: AnyJson) => c['bom-ref'] === ref);

  it('validates against the bundled CycloneDX 1.6 schema', () => {
    const validate = validator();
    const ok = validate(bom);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a technique outside the 1.6 enum is rejected.
    const broken = JSON.parse(text);
    broken.components[0].evidence.identity[0].methods[0].technique = 'guessing';
    expect(validate(broken)).toBe(false);
  });

  it('states why the library validator is not used (missing optional peer)', async () => {
    const v = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    try {
      expect(await v.validate(text)).toBeNull(); // if the peer gets installed, the library must agree
    } catch (e) {
      expect(e).toBeInstanceOf(Validation.MissingOptionalDependencyError);
    }
  });

  it('lists upstream code with ast-fingerprint and hash-comparison evidence and line occurrences', () => {
    const nano = comp('upstream:nanoGPT@master');
    expect(nano.type).toBe('library');
    expect(nano.purl).toBe('pkg:github/karpathy/nanogpt@93a43d9a5c22450bbf06e78da2cb6eeef084b717');
    expect(nano.licenses).toEqual([{ license: { id: 'MIT' } }]);
    expect(nano.evidence.identity[0]).toMatchObject({ field: 'purl', confidence: 0.92, methods: [{ technique: 'ast-fingerprint', confidence: 0.92 }] });
    expect(nano.evidence.occurrences[0]).toMatchObject({ location: 'model/attention.py', line: 10 });
    expect(nano.pedigree.notes).toContain('1 fragment, 400 tokens');
    const tf = comp('upstream:transformers@4.44.0');
    expect(tf.evidence.identity[0].methods.map((m: AnyJson) => m.technique)).toEqual(['hash-comparison', 'source-code-analysis']);
    expect(tf.evidence.occurrences.find((o: AnyJson) => o.symbol === 'LlamaForCausalLM')).toMatchObject({ location: 'train.py', line: 3 });
    expect(comp(`upstream:${makeResult().findings[2].upstream!.project}@1.0`).evidence.occurrences[0].location).toBe(HOSTILE_PATH);
  });

  it('makes weights files machine-learning-model components with their origin in pedigree', () => {
    const vision = comp('weights:checkpoints/vision.safetensors');
    expect(vision.type).toBe('machine-learning-model');
    expect(vision.pedigree.ancestors).toEqual([
      expect.objectContaining({ type: 'machine-learning-model', name: 'openai/clip-vit-large-patch14', purl: 'pkg:huggingface/openai/clip-vit-large-patch14@0123456789abcdef0123456789abcdef01234567' }),
    ]);
    expect(vision.evidence.identity[0].methods).toEqual([expect.objectContaining({ technique: 'hash-comparison', confidence: 1 })]);
    expect(vision.pedigree.notes).toContain('196 of 196');
    expect(vision.properties).toEqual(expect.arrayContaining([{ name: 'scratch-audit:parametersCovered', value: '303179776' }]));
    // Informational evidence: no ancestor, no identity, and the notes say it decides nothing.
    const llm = comp('weights:checkpoints/llm.safetensors');
    expect(llm.pedigree.ancestors).toBeUndefined();
    expect(llm.evidence.identity).toBeUndefined();
    expect(llm.pedigree.notes).toContain('informational only');
  });

  it('keeps model licences without an SPDX id valid, records the verdict, and is reproducible', () => {
    expect(comp('model:meta-llama/Meta-Llama-3-8B@main').licenses).toEqual([{ expression: 'LicenseRef-llama3' }]);
    expect(bom.metadata.component.evidence.licenses).toEqual([{ expression: 'LicenseRef-llama3' }]);
    const props = Object.fromEntries(bom.metadata.properties.map((p: AnyJson) => [p.name, p.value]));
    expect(props['scratch-audit:verdict']).toBe('FAIL');
    expect(props['scratch-audit:gate:weights']).toMatch(/^FAIL: /);
    expect(bom.dependencies.find((d: AnyJson) => d.ref === 'repository').dependsOn).toHaveLength(bom.components.length);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(renderCycloneDx(makeResult())).toBe(text);
  });
});
