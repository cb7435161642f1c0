import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { SARIF_RULES, renderSarif } from '../../src/report/sarif';
import { HOSTILE_PATH, makeResult } from './fixture';

const SCHEMA = path.join(__dirname, '../../../shared/data/sarif-schema-2.1.0.json');

// Parsed output documents: the schema checks their shape, the tests read them freely.
type AnyJson = any;

describe('renderSarif', () => {
  const result = makeResult();
  const text = renderSarif(result);
  const log: AnyJson = JSON.parse(text);
  const run = log.runs[0];
  const results: AnyJson[] = run.results;
  const byFinding = (id: string) => results.find((r) => r.partialFingerprints['scratchAuditFindingId/v1'] === id);

  it('validates against the SARIF 2.1.0 schema', () => {
    // The published schema's language pattern is not valid with the u flag; ajv must compile patterns without it.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a wrong level or a zero line is rejected.
    const broken = JSON.parse(text);
    broken.runs[0].results[0].level = 'fatal';
    broken.runs[0].results[1].locations[0].physicalLocation.region = { startLine: 0 };
    expect(validate(broken)).toBe(false);
  });

  it('declares stable rules with help, and every result points at its rule', () => {
    const ids = run.tool.driver.rules.map((r: AnyJson) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['SA001', 'SA002', 'SA003', 'SA004', 'SA005', 'SA006', 'SA010']));
    expect(run.tool.driver.version).toBe('0.1.0');
    for (const r of run.tool.driver.rules) expect(r.help.text.length).toBeGreaterThan(20);
    for (const r of results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(SARIF_RULES.map((r) => r.id)).toEqual(ids);
  });

  it('maps each finding kind to its rule, with regions ending at the last matched line', () => {
    const attn = byFinding('cc-attn-4f1e');
    expect(attn.ruleId).toBe('SA001');
    expect(attn.locations[0].physicalLocation.region).toEqual({ startLine: 10, endLine: 58 });
    expect(attn.locations[0].physicalLocation.region.endColumn).toBeUndefined();
    expect(byFinding('imp-llama-9c2d').ruleId).toBe('SA002');
    expect(byFinding('hub-8b-1111').ruleId).toBe('SA003');
    expect(byFinding('lic-model-2222').ruleId).toBe('SA004');
    expect(byFinding('w-clip-3333').ruleId).toBe('SA005');
    expect(byFinding('tok-llama3-5555').ruleId).toBe('SA006');
    // Levels follow the gates: the weights gate failed on w-clip, tokenizer is REVIEW, info evidence is a note.
    expect(byFinding('w-clip-3333').level).toBe('error');
    expect(byFinding('tok-llama3-5555').level).toBe('warning');
    expect(byFinding('w-ln-cos-4444').level).toBe('note');
    // Whole-file findings have no region.
    expect(byFinding('lic-model-2222').locations[0].physicalLocation.region).toBeUndefined();
  });

  it('gives the upstream as a related location resolved against originalUriBaseIds', () => {
    const rel = byFinding('cc-attn-4f1e').relatedLocations[0];
    expect(rel.message.text).toBe('nanoGPT@master:model.py:29-77 (MIT)');
    const loc = rel.physicalLocation;
    expect(loc.region).toEqual({ startLine: 29, endLine: 77 });
    const base = run.originalUriBaseIds[loc.artifactLocation.uriBaseId].uri;
    expect(new URL(loc.artifactLocation.uri, base).href).toBe(
      'https://github.com/karpathy/nanoGPT/blob/93a43d9a5c22450bbf06e78da2cb6eeef084b717/model.py',
    );
    expect(byFinding('cc-attn-4f1e').message.text).toContain('[nanoGPT@master:model.py:29-77](1)');
    // No remote/commit: message only, no invented location.
    expect(byFinding('cc-hostile-0bad').relatedLocations[0].physicalLocation).toBeUndefined();
  });

  it('reports failing and review gates anchored at a deciding finding; unanchored gates become notifications', () => {
    const gates = results.filter((r) => r.ruleId === 'SA010');
    expect(gates.map((g) => `${g.properties.gate}:${g.level}`).sort()).toEqual(['ratio:error', 'tokenizer:warning', 'weights:error']);
    const weights = gates.find((g) => g.properties.gate === 'weights');
    expect(weights.locations[0].physicalLocation.artifactLocation.uri).toBe('checkpoints/vision.safetensors');
    expect(gates.find((g) => g.properties.gate === 'ratio').relatedLocations).toHaveLength(2);
    // GitHub rejects a whole upload if one result lacks a location: every result has a physical one.
    for (const r of results) expect(r.locations[0].physicalLocation.artifactLocation.uri).toBeTruthy();
    const notes = run.invocations[0].toolExecutionNotifications;
    expect(notes.find((n: AnyJson) => n.properties?.gate === 'hub-references')).toMatchObject({ level: 'note', associatedRule: { id: 'SA011' } });
    // A failing ratio gate without deciding findings is anchored at the file with most copied code.
    const bare = makeResult();
    bare.gates[0].findings = [];
    const ratio = JSON.parse(renderSarif(bare)).runs[0].results.find((r: AnyJson) => r.properties.gate === 'ratio');
    expect(ratio.locations[0].physicalLocation.artifactLocation.uri).toBe('model/llama.py');
  });

  it('can leave the upstream out of relatedLocations for consumers that reject outside locations', () => {
    const plain = JSON.parse(renderSarif(result, { relatedUpstream: false })).runs[0];
    expect(plain.originalUriBaseIds).toBeUndefined();
    const attn = plain.results.find((r: AnyJson) => r.partialFingerprints['scratchAuditFindingId/v1'] === 'cc-attn-4f1e');
    expect(attn.relatedLocations).toBeUndefined();
    expect(attn.message.text).toContain('upstream nanoGPT@master:model.py:29-77');
    expect(attn.message.text).not.toContain('](1)');
  });

  it('uses content-based fingerprints that survive moved lines, and encodes hostile paths as URI references', () => {
    const moved = makeResult();
    moved.findings[0].lines = { start: 110, end: 158 };
    const again = JSON.parse(renderSarif(moved)).runs[0].results.find((r: AnyJson) => r.properties.kind === 'copied-code' && r.partialFingerprints['scratchAuditFindingId/v1'] === 'cc-attn-4f1e');
    expect(again.partialFingerprints).toEqual(byFinding('cc-attn-4f1e').partialFingerprints);
    const hostile = byFinding('cc-hostile-0bad').locations[0].physicalLocation.artifactLocation.uri;
    expect(hostile).toBe(HOSTILE_PATH.split('/').map(encodeURIComponent).join('/'));
    expect(decodeURIComponent(hostile)).toBe(HOSTILE_PATH);
    expect(renderSarif(result)).toBe(text);
  });

  it('records skipped files and warnings as tool notifications', () => {
    const notes = run.invocations[0].toolExecutionNotifications.map((n: AnyJson) => n.message.text);
    expect(notes).toContain('skipped data/blob.bin: larger than the 2 GB read limit <b>');
    expect(notes).toContain('src/broken.py: syntax error at line 3 </script>');
    expect(run.versionControlProvenance[0]).toEqual({ repositoryUri: 'https://github.com/acme/model', revisionId: result.repository.commit });
  });
});
