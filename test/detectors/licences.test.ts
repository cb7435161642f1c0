import { detectLicences, identifyDeclaredLicence, isLicenceFile, licenceAllowed, matchLicenceText } from '../../src/detectors/licences';
import type { Finding } from '../../src/evidence';

// Fixture licence files carry only a title and the key sentences a matcher needs, never a full licence text.
const MIT = 'MIT License\n\nCopyright (c) 2025 Team\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software ... The above copyright notice and this permission notice shall be included in all copies ...';
const APACHE = '                                 Apache License\n                           Version 2.0, January 2004\n        http://www.apache.org/licenses/\n ...';
const BSD3 = 'Redistribution and use in source and binary forms, with or without\nmodification, are permitted provided that ... Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote products derived from this software ...';
const BSD2 = 'Redistribution and use in source and binary forms, with or without modification, are permitted provided that the following conditions are met:\n1. Redistributions of source code must retain the above copyright notice ...';
const GPL3 = '                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n ... GNU Affero General Public License ...';
const LGPL3 = '                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n ... version 3 of the GNU General Public License ...';
const AGPL = 'GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007 ... GNU General Public License ...';
const LLAMA31 = 'LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024 ...';
const CCBYNC = 'Attribution-NonCommercial 4.0 International\n\nCreative Commons Attribution-NonCommercial 4.0 International Public License ...';
const UNKNOWN = 'All rights reserved. Internal use only. Contact legal@example.com for terms.';

const ids = (t: string): string[] => matchLicenceText(t).map((d) => d.id);

describe('licence text matching', () => {
  it('identifies common code licences without confusing close relatives', () => {
    expect(ids(MIT)).toEqual(['MIT']);
    expect(ids(APACHE)).toEqual(['Apache-2.0']);
    expect(ids(BSD3)).toEqual(['BSD-3-Clause']);
    expect(ids(BSD2)).toEqual(['BSD-2-Clause']);
    expect(ids(GPL3)).toEqual(['GPL-3.0-only']);
    expect(ids(LGPL3)).toEqual(['LGPL-3.0-only']);
    expect(ids(AGPL)).toEqual(['AGPL-3.0-only']);
    expect(ids(CCBYNC)).toEqual(['CC-BY-NC-4.0']);
    expect(ids('This is free and unencumbered software released into the public domain.')).toEqual(['Unlicense']);
  });

  it('identifies model licences as LicenseRef- ids', () => {
    expect(ids(LLAMA31)).toEqual(['LicenseRef-llama3.1']);
    expect(ids('META LLAMA 3 COMMUNITY LICENSE AGREEMENT')).toEqual(['LicenseRef-llama3']);
    expect(ids('LLAMA 2 COMMUNITY LICENSE AGREEMENT')).toEqual(['LicenseRef-llama2']);
    expect(ids('Gemma Terms of Use\nLast modified: ...')).toEqual(['LicenseRef-gemma']);
    expect(ids('CreativeML Open RAIL-M dated August 22, 2022')).toEqual(['LicenseRef-openrail']);
    expect(ids('Qwen RESEARCH LICENSE AGREEMENT')).toEqual(['LicenseRef-qwen-research']);
  });

  it('never guesses: an unrecognised text matches nothing', () => {
    expect(ids(UNKNOWN)).toEqual([]);
    expect(ids('GNU General Public License')).toEqual([]); // no version: not identified
  });

  it('reads manifest licence fields: SPDX, short names, else unknown', () => {
    expect(identifyDeclaredLicence('Apache-2.0')).toBe('Apache-2.0');
    expect(identifyDeclaredLicence('MIT OR Apache-2.0')).toBe('MIT OR Apache-2.0');
    expect(identifyDeclaredLicence('(MIT) AND (Apache-2.0)')).toBe('(MIT) AND (Apache-2.0)');
    expect(identifyDeclaredLicence('Apache License 2.0')).toBe('Apache-2.0');
    expect(identifyDeclaredLicence('BSD 3-Clause')).toBe('BSD-3-Clause');
    expect(identifyDeclaredLicence('Proprietary, see website')).toBe('unknown');
  });

  it('knows licence file names', () => {
    for (const p of ['LICENSE', 'LICENSE.md', 'licence.txt', 'COPYING', 'COPYING.LESSER', 'third_party/x/LICENSE-MIT', 'UNLICENSE']) expect(isLicenceFile(p)).toBe(true);
    expect(isLicenceFile('LICENSES/Apache-2.0.txt')).toBe(true);
    for (const p of ['license_check.py', 'src/licenses/x.py', 'licensing_notes_draft.py', 'tools/license.json']) expect(isLicenceFile(p)).toBe(false);
  });
});

describe('detectLicences', () => {
  const upstream = (id: string, project: string, licence?: string, kind: Finding['kind'] = 'imported-code'): Finding => ({
    id,
    kind,
    category: 'model-implementation',
    file: 'model.py',
    lines: { start: 3, end: 3 },
    upstream: { project, version: '1.0', licence, category: 'model-implementation' },
    method: 'import',
    confidence: 1,
    strength: 'strong',
    message: '',
  });
  const fs = detectLicences({
    licenceFiles: [
      { path: 'LICENSE', text: MIT },
      { path: 'weights/LICENSE', text: LLAMA31 },
      { path: 'vendor/x/COPYING', text: UNKNOWN },
    ],
    taggedFiles: [
      { path: 'a.py', text: '# SPDX-License-Identifier: Apache-2.0\nimport torch\n' },
      { path: 'b.py', text: '# SPDX-License-Identifier: Apache-2.0\n' },
      { path: 'c.py', text: '# SPDX-License-Identifier: Our-Own-Licence\n' },
      { path: 'd.cu', text: '/* SPDX-License-Identifier: MIT OR GPL-2.0-only */' },
    ],
    manifestLicences: [{ file: 'pyproject.toml', licence: 'MIT', source: 'pyproject', line: 3 }],
    upstreamFindings: [upstream('i1', 'transformers', 'Apache-2.0'), upstream('i2', 'transformers', 'Apache-2.0'), upstream('c1', 'llama', 'LicenseRef-llama2', 'copied-code'), upstream('c2', 'mystery', undefined, 'copied-code')],
  });
  const d = (pred: (f: Finding) => boolean): Record<string, unknown> => fs.find(pred)!.details!;

  it('reports licence files with scope and source', () => {
    expect(d((f) => f.file === 'LICENSE')).toMatchObject({ licence: 'MIT', scope: 'repository', source: 'licence-file' });
    expect(d((f) => f.file === 'weights/LICENSE')).toMatchObject({ licence: 'LicenseRef-llama3.1', scope: 'file', kinds: ['model'] });
    expect(d((f) => f.file === 'vendor/x/COPYING')).toMatchObject({ licence: 'unknown' });
    expect(fs.find((f) => f.file === 'LICENSE')!.method).toBe('licence-text');
  });

  it('reports SPDX tags once per expression, unknown ids as unknown', () => {
    const tags = fs.filter((f) => f.details!.source === 'spdx-tag');
    expect(tags.map((f) => f.details!.licence).sort()).toEqual(['Apache-2.0', 'MIT OR GPL-2.0-only', 'unknown']);
    expect(d((f) => f.details!.declared === 'Apache-2.0' && f.details!.source === 'spdx-tag')).toMatchObject({ fileCount: 2, files: ['a.py', 'b.py'] });
    expect(d((f) => f.details!.declared === 'Our-Own-Licence')).toMatchObject({ licence: 'unknown', scope: 'file' });
  });

  it('reports manifest licence fields', () => {
    expect(d((f) => f.details!.source === 'manifest')).toMatchObject({ licence: 'MIT', scope: 'repository' });
  });

  it('reports each upstream project once with its licence, unknown when the pack has none', () => {
    const up = fs.filter((f) => f.details!.scope === 'upstream');
    expect(up.map((f) => `${f.details!.project}:${f.details!.licence}`).sort()).toEqual(['llama:LicenseRef-llama2', 'mystery:unknown', 'transformers:Apache-2.0']);
    expect(up.find((f) => f.details!.project === 'transformers')!.details!.findings).toEqual(['i1', 'i2']);
    expect(up.every((f) => f.details!.source === 'pack' && f.kind === 'licence')).toBe(true);
  });
});

describe('licenceAllowed', () => {
  const allow = ['MIT', 'Apache-2.0', 'BSD-3-Clause'];
  const deny = ['CC-BY-NC-4.0', 'LicenseRef-llama2'];
  it('applies allow and deny lists with SPDX expression semantics', () => {
    expect(licenceAllowed('MIT', allow, deny)).toBe('allowed');
    expect(licenceAllowed('MIT OR CC-BY-NC-4.0', allow, deny)).toBe('allowed');
    expect(licenceAllowed('MIT AND CC-BY-NC-4.0', allow, deny)).toBe('denied');
    expect(licenceAllowed('LicenseRef-llama2', allow, deny)).toBe('denied');
    expect(licenceAllowed('GPL-3.0-only', allow, deny)).toBe('denied'); // known, not on the allow-list
    expect(licenceAllowed('GPL-3.0-only', [], deny)).toBe('allowed'); // no allow-list: anything not denied
  });
  it('keeps unknown and unparseable licences unknown', () => {
    expect(licenceAllowed('unknown', allow, deny)).toBe('unknown');
    expect(licenceAllowed('Not-A-Licence', allow, deny)).toBe('unknown');
    expect(licenceAllowed('LicenseRef-somebody-else', allow, deny)).toBe('unknown');
    expect(licenceAllowed('MIT AND LicenseRef-somebody-else', allow, deny)).toBe('unknown');
    expect(licenceAllowed('LicenseRef-ours', ['LicenseRef-ours'], [])).toBe('allowed');
  });
});
