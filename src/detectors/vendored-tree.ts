import { contentId } from '../code/file-hashes';
import type { Finding } from '../evidence';
import type { SignatureIndex } from '../signatures/index';
import { upstreamRef } from './copied-code';

/** A repository code file that the matcher left (partly) unattributed. */
export interface SmallFile {
  path: string;
  blobSha1: string;
  tokens: number;
  lines: number;
}

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/**
 * Vendored trees: when whole files of a repository folder are identical to files of one upstream, the folder maps
 * to that upstream's folder (`third_party/foo/` -> `foo/`). Files of the same folder too small to be evidence alone
 * (a short `__init__.py`, a config module) are then attributed when their bytes equal the upstream file at the
 * mapped path: the path correspondence is what makes an exact match of a tiny file evidence.
 */
export function vendoredTreeFindings(wholeFiles: Finding[], candidates: SmallFile[], index: SignatureIndex): Finding[] {
  // repository folder -> (pack, upstream folder) seen at least twice
  const votes = new Map<string, Map<string, number>>();
  for (const f of wholeFiles) {
    const up = f.upstream;
    if (!up?.path || !up.pack || (f.method !== 'blob-sha1' && f.method !== 'normalized-hash')) continue;
    const key = `${up.pack}\0${dirOf(up.path)}`;
    const m = votes.get(dirOf(f.file)) ?? new Map<string, number>();
    m.set(key, (m.get(key) ?? 0) + 1);
    votes.set(dirOf(f.file), m);
  }
  const mapping = new Map<string, { pack: string; dir: string }>();
  for (const [repoDir, m] of votes) {
    const best = [...m.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best && best[1] >= 2) {
      const [pack, dir] = best[0].split('\0');
      mapping.set(repoDir, { pack, dir });
    }
  }
  if (mapping.size === 0) return [];
  const byPackPath = new Map<string, number>();
  index.files.forEach((f, id) => {
    if (!f.background) byPackPath.set(`${index.packs[f.pack].manifest.project}@${index.packs[f.pack].manifest.version}\0${f.meta.path}`, id);
  });
  const out: Finding[] = [];
  for (const c of candidates) {
    const target = mapping.get(dirOf(c.path));
    if (!target || c.tokens === 0) continue;
    const name = c.path.slice(c.path.lastIndexOf('/') + 1);
    const id = byPackPath.get(`${target.pack}\0${target.dir ? `${target.dir}/` : ''}${name}`);
    if (id === undefined || index.files[id].meta.blobSha1 !== c.blobSha1) continue;
    const up = upstreamRef(index, id, { start: 1, end: index.files[id].meta.lines });
    out.push({
      id: contentId('cp', up.pack ?? '', up.path ?? '', c.blobSha1),
      kind: 'copied-code',
      category: up.category,
      file: c.path,
      lines: { start: 1, end: Math.max(1, c.lines) },
      upstream: up,
      method: 'blob-sha1',
      confidence: 0.95,
      strength: 'strong',
      tokens: c.tokens,
      message: `whole file is byte-identical to ${up.project}@${up.version} ${up.path}, in a folder vendored from it`,
      details: { wholeFile: true, verbatim: 1, vendoredTree: `${dirOf(c.path) || '.'} <- ${target.pack} ${target.dir || '.'}` },
    });
  }
  return out;
}
