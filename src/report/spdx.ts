// SPDX 2.3 JSON: the repository as a package, its files, one package per upstream project, and a snippet
// (line range + licence) for every copied fragment, so "lines 10-58 of this file come from X" is machine-readable.
import { createHash } from 'node:crypto';
import type { AuditResult, FileKind, FileRecord, Finding, UpstreamRef } from '../evidence';
import {
  canonicalJson,
  locationText,
  parseRemote,
  projectId,
  repositoryName,
  sha256Hex,
  upstreamPurl,
  upstreamText,
  upstreamUrl,
  uuidFromHex,
} from './common';
import { normaliseLicence, type LicenceInfo } from './licences';

export interface SpdxOptions {
  /** Repository path -> file text; when its git blob id matches the FileRecord, real SHA1/SHA256 checksums are given. */
  sources?: Record<string, string>;
  /** Base URI of documentNamespace (default https://scratch-audit.invalid/spdx). */
  namespaceBase?: string;
}

type Json = Record<string, unknown>;

const FILE_TYPE: Record<FileKind, string> = {
  python: 'SOURCE',
  notebook: 'SOURCE',
  manifest: 'TEXT',
  config: 'TEXT',
  tokenizer: 'OTHER',
  weights: 'BINARY',
  licence: 'TEXT',
  other: 'OTHER',
};

const ZERO_SHA1 = '0'.repeat(40);

function idPart(text: string, n = 16): string {
  return sha256Hex(text).slice(0, n);
}

const fileId = (path: string) => `SPDXRef-File-${idPart(`file\n${path}`)}`;
const snippetId = (findingId: string) => `SPDXRef-Snippet-${idPart(`snippet\n${findingId}`)}`;
const upstreamKey = (u: UpstreamRef) => projectId(u);
const packageId = (key: string) => `SPDXRef-Package-upstream-${idPart(`package\n${key}`)}`;

/** Checksums we can stand behind: those the audit computed from the bytes it read, else from the text when it reproduces the recorded git blob id. */
function checksums(f: FileRecord, sources: Record<string, string> | undefined): { list: Json[]; note?: string } {
  if (f.sha1) {
    const list: Json[] = [{ algorithm: 'SHA1', checksumValue: f.sha1 }];
    if (f.sha256) list.push({ algorithm: 'SHA256', checksumValue: f.sha256 });
    return { list };
  }
  const text = sources?.[f.path];
  if (text !== undefined && f.blobSha1) {
    const bytes = Buffer.from(text, 'utf8');
    const blob = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    if (blob === f.blobSha1.toLowerCase()) {
      return {
        list: [
          { algorithm: 'SHA1', checksumValue: createHash('sha1').update(bytes).digest('hex') },
          { algorithm: 'SHA256', checksumValue: createHash('sha256').update(bytes).digest('hex') },
        ],
      };
    }
  }
  // The schema requires a checksum; a zero SHA1 is the usual "not computed" placeholder, and the comment says so.
  return {
    list: [{ algorithm: 'SHA1', checksumValue: ZERO_SHA1 }],
    note: `SHA1 not computed by scratch-audit (placeholder of zeros)${f.blobSha1 ? `; git blob id ${f.blobSha1}` : ''}.`,
  };
}

function downloadLocation(remote: string | undefined, commit: string | undefined): string {
  const r = parseRemote(remote);
  if (!r) return 'NOASSERTION';
  return `git+https://${r.host}/${r.owner}/${r.repo}.git${commit ? `@${commit}` : ''}`;
}

function relationshipFor(f: Finding): { type: string; note?: string } {
  if (f.strength === 'info' || f.strength === 'weak') return { type: 'OTHER', note: `informational only (${f.strength}), not evidence of derivation` };
  switch (f.kind) {
    case 'copied-code':
      return { type: f.method === 'blob-sha1' ? 'COPY_OF' : 'VARIANT_OF' };
    case 'weights':
      return { type: f.method === 'weights-hash' ? 'COPY_OF' : 'DESCENDANT_OF' };
    case 'tokenizer':
      return { type: 'VARIANT_OF' };
    case 'history':
      return { type: 'DESCENDANT_OF' };
    case 'imported-code':
    case 'hub-reference':
    case 'dependency':
      return { type: 'DEPENDS_ON' };
    default:
      return { type: 'OTHER' };
  }
}

export function renderSpdx(result: AuditResult, opts: SpdxOptions = {}): string {
  const refs = new Map<string, { name: string; raw: string; converted: boolean }>();
  const licence = (raw: string | undefined): LicenceInfo | undefined => {
    const l = normaliseLicence(raw);
    for (const r of l?.refs ?? []) if (!refs.has(r.id)) refs.set(r.id, { name: r.name, raw: l!.raw, converted: l!.converted });
    return l;
  };
  const repoId = 'SPDXRef-Package-repository';
  const name = repositoryName(result);
  const relationships: Json[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: repoId }];

  // Licences found in files (licence findings), for the files and for the repository package.
  const licencesInFile = new Map<string, string[]>();
  for (const f of result.findings.filter((x) => x.kind === 'licence')) {
    const l = licence(f.upstream?.licence);
    if (!l) continue;
    const list = licencesInFile.get(f.file) ?? [];
    for (const id of l.ids) if (!list.includes(id)) list.push(id);
    licencesInFile.set(f.file, list);
  }

  const filePaths = new Set(result.files.map((f) => f.path));
  const extraFiles: FileRecord[] = result.findings
    .filter((f) => !filePaths.has(f.file) && f.file)
    .map((f) => ({ path: f.file, kind: 'other' as FileKind, bytes: 0 }))
    .filter((f, i, a) => a.findIndex((x) => x.path === f.path) === i);
  const files = [...result.files, ...extraFiles]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => {
      const sums = checksums(f, opts.sources);
      const comments = [sums.note, f.excluded ? `excluded from the ratio: ${f.excluded}` : '', f.skipped ? `not read: ${f.skipped}` : '']
        .filter(Boolean)
        .join(' ');
      const inFile = licencesInFile.get(f.path);
      relationships.push({ spdxElementId: repoId, relationshipType: 'CONTAINS', relatedSpdxElement: fileId(f.path) });
      return {
        SPDXID: fileId(f.path),
        fileName: `./${f.path.replace(/^\.?\/+/, '')}`,
        checksums: sums.list,
        fileTypes: [FILE_TYPE[f.kind] ?? 'OTHER'],
        licenseConcluded: 'NOASSERTION',
        licenseInfoInFiles: inFile ?? ['NOASSERTION'],
        copyrightText: 'NOASSERTION',
        ...(comments ? { comment: comments } : {}),
      };
    });

  // One package per upstream project@version that a finding points to.
  const upstreams = new Map<string, { u: UpstreamRef; kinds: Set<string> }>();
  for (const f of result.findings) {
    if (!f.upstream || f.kind === 'licence' || f.kind === 'read-error') continue;
    const key = upstreamKey(f.upstream);
    const entry = upstreams.get(key) ?? { u: f.upstream, kinds: new Set<string>() };
    entry.kinds.add(f.kind);
    // Prefer the reference that knows the most (remote and commit) for the package fields.
    if (!entry.u.commit && f.upstream.commit) entry.u = { ...entry.u, commit: f.upstream.commit, remote: f.upstream.remote ?? entry.u.remote };
    if (!entry.u.remote && f.upstream.remote) entry.u = { ...entry.u, remote: f.upstream.remote };
    if (!entry.u.licence && f.upstream.licence) entry.u = { ...entry.u, licence: f.upstream.licence };
    upstreams.set(key, entry);
  }
  const packages: Json[] = [...upstreams.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, { u, kinds }]) => {
      const l = licence(u.licence);
      const purl = upstreamPurl(u);
      const isModel = kinds.has('weights') || kinds.has('tokenizer') || kinds.has('hub-reference');
      return {
        SPDXID: packageId(key),
        name: u.project,
        versionInfo: u.version || 'NOASSERTION',
        downloadLocation: downloadLocation(u.remote, u.commit),
        filesAnalyzed: false,
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: l?.expression ?? 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        primaryPackagePurpose: isModel ? 'OTHER' : 'SOURCE',
        ...(purl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }] } : {}),
        comment: `Upstream ${isModel ? 'model or data' : 'code'} (category ${u.category}) referenced by scratch-audit findings of kind ${[...kinds].sort().join(', ')}${u.pack ? `; signature pack ${u.pack}` : ''}.`,
      };
    });

  // Snippets for copied fragments; a relationship from the snippet (or the file) to the upstream package for
  // every finding that points upstream.
  const snippets: Json[] = [];
  for (const f of [...result.findings].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!f.upstream || f.kind === 'licence' || f.kind === 'read-error') continue;
    const target = packageId(upstreamKey(f.upstream));
    const rel = relationshipFor(f);
    let element = fileId(f.file);
    if (f.kind === 'copied-code' && f.lines) {
      const l = licence(f.upstream.licence);
      element = snippetId(f.id);
      snippets.push({
        SPDXID: element,
        name: `${locationText(f.file, f.lines)} from ${upstreamText(f.upstream)}`,
        snippetFromFile: fileId(f.file),
        ranges: [
          {
            startPointer: { reference: fileId(f.file), lineNumber: f.lines.start },
            endPointer: { reference: fileId(f.file), lineNumber: f.lines.end },
          },
        ],
        licenseConcluded: l?.expression ?? 'NOASSERTION',
        licenseInfoInSnippets: l?.ids ?? ['NOASSERTION'],
        copyrightText: 'NOASSERTION',
        comment: [
          f.message,
          `upstream ${upstreamText(f.upstream)}`,
          f.upstream.commit ? `commit ${f.upstream.commit}` : '',
          upstreamUrl(f.upstream) ?? '',
          `method ${f.method}, strength ${f.strength}, confidence ${f.confidence}`,
          f.tokens !== undefined ? `${f.tokens} tokens` : '',
          `finding ${f.id}`,
        ]
          .filter(Boolean)
          .join('; '),
      });
    }
    relationships.push({
      spdxElementId: f.kind === 'history' ? repoId : element,
      relationshipType: rel.type,
      relatedSpdxElement: target,
      comment: `${f.kind}: ${f.message}${rel.note ? ` (${rel.note})` : ''} [finding ${f.id}]`,
    });
  }

  const repoLicences = [...new Set([...licencesInFile.values()].flat())];
  const repoPurl = upstreamPurl({ project: name, version: '', commit: result.repository.commit, remote: result.repository.remote, category: 'unknown' });
  const repoPackage: Json = {
    SPDXID: repoId,
    name,
    versionInfo: result.repository.commit ?? 'NOASSERTION',
    downloadLocation: downloadLocation(result.repository.remote, result.repository.commit),
    filesAnalyzed: true,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    licenseInfoFromFiles: repoLicences.length ? repoLicences : ['NOASSERTION'],
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'SOURCE',
    ...(repoPurl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: repoPurl }] } : {}),
    comment:
      `Audited by ${result.tool.name} ${result.tool.version} under policy ${result.policy.name} (sha256 ${result.policy.sha256}): ` +
      `verdict ${result.verdict}, code independence ratio ${result.ratio.ratio === null ? 'n/a' : result.ratio.ratio.toFixed(4)}; ` +
      `gates ${result.gates.map((g) => `${g.gate} ${g.status}`).join(', ')}.${result.repository.dirty ? ' The working tree had uncommitted changes.' : ''}`,
  };

  const extracted = [...refs.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .filter(([id]) => !id.startsWith('DocumentRef-'))
    .map(([id, r]) => ({
      licenseId: id,
      name: r.name,
      extractedText: `The text of this licence is not included in this document. scratch-audit recorded the licence as "${r.raw}"; see the licence file of the upstream project or model.`,
      comment: r.converted ? `"${r.raw}" is not an SPDX licence expression; scratch-audit named it ${id}.` : 'Not on the SPDX licence list.',
    }));

  const created = (() => {
    const d = new Date(result.createdAt);
    return Number.isNaN(d.getTime()) ? result.createdAt : `${d.toISOString().slice(0, 19)}Z`;
  })();
  const doc: Json = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `scratch-audit ${name}${result.repository.commit ? `@${result.repository.commit.slice(0, 12)}` : ''}`,
    documentNamespace: '',
    creationInfo: {
      created,
      creators: [`Tool: ${result.tool.name}-${result.tool.version}`],
      comment: `Provenance audit: copied code as snippets, upstream projects and models as packages. Generated from the audit result of ${created}.`,
    },
    packages: [repoPackage, ...packages],
    files,
    ...(snippets.length ? { snippets } : {}),
    ...(extracted.length ? { hasExtractedLicensingInfos: extracted } : {}),
    relationships,
  };
  // The namespace must be unique per document; deriving it from the content makes it reproducible as well.
  const hash = sha256Hex(canonicalJson(doc));
  const base = (opts.namespaceBase ?? 'https://scratch-audit.invalid/spdx').replace(/\/+$/, '');
  doc.documentNamespace = `${base}/${encodeURIComponent(name.replace(/[^A-Za-z0-9._-]+/g, '-'))}-${uuidFromHex(hash)}`;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
