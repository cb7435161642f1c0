import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import parseSpdx from 'spdx-expression-parse';
import { normaliseLicence } from '../../src/report/licences';
import { renderSpdx } from '../../src/report/spdx';
import { makeResult, makeSources } from './fixture';

const SCHEMA = path.join(__dirname, '../../../shared/data/spdx-schema-2.3.json');

// Parsed output documents: the schema checks their shape, the tests read them freely.
type AnyJson = any;

describe('renderSpdx', () => {
  const result = makeResult();
  const text = renderSpdx(result);
  const doc: AnyJson = JSON.parse(text);
  const fileByName = (name: string) => doc.files.find((f: AnyJson) => f.fileName === `./${name}`);

  it('validates against the SPDX 2.3 schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const broken = JSON.parse(text);
    delete broken.snippets[0].snippetFromFile;
    expect(validate(broken)).toBe(false);
  });

  it('uses valid, unique SPDX ids and refers only to elements it defines', () => {
    const ids = [doc.SPDXID, ...doc.packages.map((p: AnyJson) => p.SPDXID), ...doc.files.map((f: AnyJson) => f.SPDXID), ...doc.snippets.map((s: AnyJson) => s.SPDXID)];
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set(ids);
    for (const r of doc.relationships) {
      expect(known.has(r.spdxElementId)).toBe(true);
      expect(known.has(r.relatedSpdxElement)).toBe(true);
    }
    for (const s of doc.snippets) {
      expect(known.has(s.snippetFromFile)).toBe(true);
      expect(s.ranges[0].startPointer.reference).toBe(s.snippetFromFile);
    }
  });

  it('has a package per upstream project and a snippet with line range and licence per copied fragment', () => {
    const names = doc.packages.map((p: AnyJson) => p.name);
    expect(names).toEqual(expect.arrayContaining(['acme/model', 'nanoGPT', 'transformers', 'openai/clip-vit-large-patch14', 'meta-llama/Meta-Llama-3-8B']));
    const nano = doc.packages.find((p: AnyJson) => p.name === 'nanoGPT');
    expect(nano.downloadLocation).toBe('git+https://github.com/karpathy/nanoGPT.git@93a43d9a5c22450bbf06e78da2cb6eeef084b717');
    expect(nano.licenseDeclared).toBe('MIT');
    expect(nano.externalRefs[0].referenceLocator).toBe('pkg:github/karpathy/nanogpt@93a43d9a5c22450bbf06e78da2cb6eeef084b717');
    expect(doc.snippets).toHaveLength(3);
    const attn = doc.snippets.find((s: AnyJson) => s.snippetFromFile === fileByName('model/attention.py').SPDXID);
    expect(attn.ranges[0].startPointer.lineNumber).toBe(10);
    expect(attn.ranges[0].endPointer.lineNumber).toBe(58);
    expect(attn.licenseConcluded).toBe('MIT');
    const rel = doc.relationships.find((r: AnyJson) => r.spdxElementId === attn.SPDXID);
    expect(rel).toMatchObject({ relationshipType: 'VARIANT_OF', relatedSpdxElement: nano.SPDXID });
    // Identical weights are a copy; informational evidence is never stated as derivation.
    const clip = doc.packages.find((p: AnyJson) => p.name === 'openai/clip-vit-large-patch14');
    const w = doc.relationships.find((r: AnyJson) => r.relatedSpdxElement === clip.SPDXID);
    expect(w.relationshipType).toBe('COPY_OF');
    const qwen = doc.packages.find((p: AnyJson) => p.name === 'Qwen/Qwen2-7B');
    expect(doc.relationships.find((r: AnyJson) => r.relatedSpdxElement === qwen.SPDXID).relationshipType).toBe('OTHER');
  });

  it('declares every LicenseRef it uses, and every licence field is a valid expression', () => {
    const declared = new Set(doc.hasExtractedLicensingInfos.map((x: AnyJson) => x.licenseId));
    expect(declared).toEqual(new Set(['LicenseRef-llama3']));
    const used = new Set<string>();
    const visit = (v: AnyJson, key?: string) => {
      if (typeof v === 'string' && key && /^licen[sc]e(Concluded|Declared)$|^licenseInfo/.test(key)) {
        if (v === 'NOASSERTION' || v === 'NONE') return;
        expect(() => parseSpdx(v)).not.toThrow();
        for (const m of v.matchAll(/LicenseRef-[A-Za-z0-9.-]+/g)) used.add(m[0]);
      } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
    };
    visit(doc);
    expect(used).toEqual(declared);
    expect(fileByName('LICENSE').licenseInfoInFiles).toEqual(['LicenseRef-llama3']);
  });

  it('turns licences without an SPDX id into LicenseRefs', () => {
    expect(normaliseLicence('Llama 3 Community License')).toMatchObject({ expression: 'LicenseRef-Llama-3-Community-License', converted: true });
    expect(normaliseLicence('apache-2.0')).toMatchObject({ expression: 'Apache-2.0', converted: false });
    expect(normaliseLicence('MIT OR Apache-2.0')!.ids).toEqual(['MIT', 'Apache-2.0']);
    const r = makeResult();
    r.findings[0].upstream!.licence = 'Some Model Licence v2';
    const d = JSON.parse(renderSpdx(r));
    const info = d.hasExtractedLicensingInfos.find((x: AnyJson) => x.licenseId === 'LicenseRef-Some-Model-Licence-v2');
    expect(info.name).toBe('Some Model Licence v2');
    expect(info.extractedText.length).toBeGreaterThan(0);
  });

  it('derives a deterministic namespace from the content', () => {
    expect(renderSpdx(makeResult())).toBe(text);
    expect(doc.documentNamespace).toMatch(/^https:\/\/scratch-audit\.invalid\/spdx\/acme-model-[0-9a-f-]{36}$/);
    const other = makeResult();
    other.repository.commit = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    expect(JSON.parse(renderSpdx(other)).documentNamespace).not.toBe(doc.documentNamespace);
    expect(doc.creationInfo.created).toBe('2026-11-29T06:30:00Z');
  });

  it('gives real checksums only when the text reproduces the recorded git blob id', () => {
    expect(fileByName('model/attention.py').checksums).toEqual([{ algorithm: 'SHA1', checksumValue: '0'.repeat(40) }]);
    expect(fileByName('model/attention.py').comment).toContain('not computed');
    const r = makeResult();
    const src = makeSources()['model/attention.py'];
    const bytes = Buffer.from(src, 'utf8');
    r.files[0].blobSha1 = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    r.files[1].blobSha1 = 'f'.repeat(40); // text given below does not match it
    const d = JSON.parse(renderSpdx(r, { sources: { ...makeSources(), 'model/llama.py': 'not the file' } }));
    const f = d.files.find((x: AnyJson) => x.fileName === './model/attention.py');
    expect(f.checksums[0]).toEqual({ algorithm: 'SHA1', checksumValue: createHash('sha1').update(bytes).digest('hex') });
    expect(f.checksums[1].algorithm).toBe('SHA256');
    const l = d.files.find((x: AnyJson) => x.fileName === './model/llama.py');
    expect(l.checksums[0].checksumValue).toBe('0'.repeat(40));
  });
});
