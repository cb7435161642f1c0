import * as fs from 'node:fs';
import * as path from 'node:path';
import spdxIds from 'spdx-license-ids/index.json';
import { VOCABULARY_VERSION } from '../../src/code/token-kinds';
import { checkCompatible, findPackDirs, readManifest } from '../../src/signatures/pack-io';

const SIG = path.join(__dirname, '..', '..', 'signatures');
const licences = JSON.parse(fs.readFileSync(path.join(SIG, 'licences.json'), 'utf8')) as { licences: { id: string }[] };
const known = new Set([...(spdxIds as string[]), ...licences.licences.map((l) => l.id)]);

describe('the shipped knowledge base', () => {
  const dirs = findPackDirs(SIG);
  const manifests = dirs.map((d) => ({ d, m: readManifest(d) }));

  test('every pack is of the current format, vocabulary and parameters, and within the size budget', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(30);
    let bytes = 0;
    for (const { d, m } of manifests) {
      expect(() => checkCompatible(d, m, { k: 40, w: 20 })).not.toThrow();
      expect(m.builder.vocabulary).toBe(VOCABULARY_VERSION);
      for (const f of fs.readdirSync(d)) bytes += fs.statSync(path.join(d, f)).size;
    }
    expect(bytes).toBeLessThan(60 * 1024 * 1024);
  });

  test('every pack and tokenizer signature has a licence our catalogues know (SPDX id or one of our LicenseRef- ids)', () => {
    for (const { m } of manifests) expect({ pack: m.project, known: known.has(m.licence ?? '') }).toEqual({ pack: m.project, known: true });
    const tokDir = path.join(SIG, 'tokenizers');
    for (const f of fs.readdirSync(tokDir).filter((n) => n.endsWith('.tokenizer.json'))) {
      const licence = (JSON.parse(fs.readFileSync(path.join(tokDir, f), 'utf8')) as { licence?: string }).licence ?? '';
      expect({ f, known: known.has(licence) }).toEqual({ f, known: true });
    }
  });

  test('sources.json lists exactly the shipped packs, each pinned', () => {
    const sources = JSON.parse(fs.readFileSync(path.join(SIG, 'sources.json'), 'utf8')) as { sources: { name: string; version: string; commit?: string; licence?: string }[] };
    const fromSources = sources.sources.map((s) => `${s.name}@${s.version}`).sort();
    expect(fromSources).toEqual(manifests.map(({ m }) => `${m.project}@${m.version}`).sort());
    for (const { m } of manifests) {
      const s = sources.sources.find((x) => x.name === m.project && x.version === m.version)!;
      expect(s.licence).toBe(m.licence);
    }
  });
});
