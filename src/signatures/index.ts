import type { PackInfo } from '../evidence';
import { findPackDirs, readPack, type LoadedPack } from './pack-io';
import type { PackFile } from './pack-types';

/** When a fingerprint is too common to count as evidence of copying (MOSS -m, Dolos -M). */
export interface CommonFilter {
  /** Distinct project families (code packs and background corpora) at or above which a fingerprint is common. */
  projects: number;
  /** Distinct files at or above which a fingerprint is common. */
  files: number;
}

export const DEFAULT_COMMON: CommonFilter = { projects: 4, files: 50 };

export interface IndexedFile {
  pack: number;
  meta: PackFile;
  background: boolean;
  /** Views into the pack's streams, when the pack stores them. */
  kinds?: Uint8Array;
  raw8?: Uint8Array;
  lineNo?: Uint32Array;
  lineTok?: Uint32Array;
}

/**
 * All loaded packs as one lookup structure of parallel typed arrays, bucketed by the top bits of the hash.
 * No object per fingerprint, so millions of fingerprints load in a fraction of a second and little memory.
 * The interface (lookup by hash, file table) does not assume memory: a database could stand behind it.
 */
export interface SignatureIndex {
  packs: LoadedPack[];
  files: IndexedFile[];
  hi: Uint32Array;
  lo: Uint32Array;
  file: Uint32Array; // global file id
  pos: Uint32Array;
  common: Uint8Array; // 1 when the fingerprint is common (does not count)
  bucketBits: number;
  bucketStart: Uint32Array;
  byBlob: Map<string, number[]>;
  byNorm: Map<string, number[]>;
  filter: CommonFilter;
  stats: { fingerprints: number; commonFingerprints: number; uniqueHashes: number; commonHashes: number; loadMs: number };
}

function bucketBitsFor(n: number): number {
  let b = 8;
  while (b < 22 && 1 << b < n / 4) b++;
  return b;
}

/** Sorts entries [s, e) by (hi, lo, file, pos): insertion sort for the usual tiny bucket, index sort otherwise. */
function sortBucket(hi: Uint32Array, lo: Uint32Array, file: Uint32Array, pos: Uint32Array, s: number, e: number): void {
  const cmp = (a: number, b: number): number => hi[a] - hi[b] || lo[a] - lo[b] || file[a] - file[b] || pos[a] - pos[b];
  if (e - s <= 32) {
    for (let i = s + 1; i < e; i++) {
      const h = hi[i], l = lo[i], f = file[i], p = pos[i];
      let j = i - 1;
      while (j >= s && (hi[j] > h || (hi[j] === h && (lo[j] > l || (lo[j] === l && (file[j] > f || (file[j] === f && pos[j] > p))))))) {
        hi[j + 1] = hi[j]; lo[j + 1] = lo[j]; file[j + 1] = file[j]; pos[j + 1] = pos[j];
        j--;
      }
      hi[j + 1] = h; lo[j + 1] = l; file[j + 1] = f; pos[j + 1] = p;
    }
    return;
  }
  const idx = Array.from({ length: e - s }, (_, i) => s + i).sort(cmp);
  const h2 = idx.map((i) => hi[i]), l2 = idx.map((i) => lo[i]), f2 = idx.map((i) => file[i]), p2 = idx.map((i) => pos[i]);
  hi.set(h2, s); lo.set(l2, s); file.set(f2, s); pos.set(p2, s);
}

/** Builds the index from loaded packs (each already sorted). */
export function buildIndex(packs: LoadedPack[], filter: CommonFilter = DEFAULT_COMMON): SignatureIndex {
  const t0 = performance.now();
  const files: IndexedFile[] = [];
  const fileBase: number[] = [];
  for (const [pi, p] of packs.entries()) {
    fileBase.push(files.length);
    const a = p.arrays;
    for (const meta of p.manifest.files) {
      const f: IndexedFile = { pack: pi, meta, background: p.manifest.kind === 'background' };
      if (a.kinds && meta.tokenOffset >= 0) {
        f.kinds = a.kinds.subarray(meta.tokenOffset, meta.tokenOffset + meta.tokenCount);
        f.raw8 = a.raw8?.subarray(meta.tokenOffset, meta.tokenOffset + meta.tokenCount);
      }
      if (a.lineNo && a.lineTok && meta.lineOffset >= 0) {
        f.lineNo = a.lineNo.subarray(meta.lineOffset, meta.lineOffset + meta.lineCount);
        f.lineTok = a.lineTok.subarray(meta.lineOffset, meta.lineOffset + meta.lineCount);
      }
      files.push(f);
    }
  }
  const n = packs.reduce((s, p) => s + p.arrays.fpHi.length, 0);
  const bits = bucketBitsFor(n);
  const shift = 32 - bits;
  const nb = 1 << bits;
  const bucketStart = new Uint32Array(nb + 1);
  for (const p of packs) {
    const h = p.arrays.fpHi;
    for (let i = 0; i < h.length; i++) bucketStart[(h[i] >>> shift) + 1]++;
  }
  for (let b = 0; b < nb; b++) bucketStart[b + 1] += bucketStart[b];
  const fill = bucketStart.slice(0, nb);
  const hi = new Uint32Array(n), lo = new Uint32Array(n), file = new Uint32Array(n), pos = new Uint32Array(n);
  for (const [pi, p] of packs.entries()) {
    const a = p.arrays;
    const base = fileBase[pi];
    for (let i = 0; i < a.fpHi.length; i++) {
      const at = fill[a.fpHi[i] >>> shift]++;
      hi[at] = a.fpHi[i];
      lo[at] = a.fpLo[i];
      file[at] = a.fpFile[i] + base;
      pos[at] = a.fpPos[i];
    }
  }
  // With more than one pack a bucket holds several sorted runs; order it fully so equal hashes are contiguous.
  if (packs.length > 1) {
    for (let b = 0; b < nb; b++) if (bucketStart[b + 1] - bucketStart[b] > 1) sortBucket(hi, lo, file, pos, bucketStart[b], bucketStart[b + 1]);
  }

  // Document frequency: distinct files and projects per hash; common hashes are flagged, not dropped, so reports can count them.
  const common = new Uint8Array(n);
  const projectOf = files.map((f) => packs[f.pack].manifest.family ?? packs[f.pack].manifest.project);
  let unique = 0;
  let commonHashes = 0;
  let commonFps = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && hi[j] === hi[i] && lo[j] === lo[i]) j++;
    unique++;
    if (j - i >= Math.min(filter.files, filter.projects)) {
      const fset = new Set<number>();
      const pset = new Set<string>();
      for (let x = i; x < j; x++) {
        fset.add(file[x]);
        pset.add(projectOf[file[x]]);
      }
      if (fset.size >= filter.files || pset.size >= filter.projects) {
        common.fill(1, i, j);
        commonHashes++;
        commonFps += j - i;
      }
    }
    i = j;
  }

  const byBlob = new Map<string, number[]>();
  const byNorm = new Map<string, number[]>();
  files.forEach((f, id) => {
    if (f.background) return;
    const push = (m: Map<string, number[]>, key: string): void => {
      const l = m.get(key);
      if (l) l.push(id);
      else m.set(key, [id]);
    };
    push(byBlob, f.meta.blobSha1);
    push(byNorm, f.meta.normHash);
  });
  return {
    packs, files, hi, lo, file, pos, common, bucketBits: bits, bucketStart, byBlob, byNorm, filter,
    stats: { fingerprints: n, commonFingerprints: commonFps, uniqueHashes: unique, commonHashes, loadMs: performance.now() - t0 },
  };
}

/** [start, end) of the entries with this hash. */
export function lookup(index: SignatureIndex, h: number, l: number): [number, number] {
  const b = h >>> (32 - index.bucketBits);
  let s = index.bucketStart[b];
  let e = index.bucketStart[b + 1];
  const { hi, lo } = index;
  // Binary search the lower bound inside the bucket.
  while (s < e) {
    const m = (s + e) >>> 1;
    if (hi[m] < h || (hi[m] === h && lo[m] < l)) s = m + 1;
    else e = m;
  }
  let end = s;
  const bucketEnd = index.bucketStart[b + 1];
  while (end < bucketEnd && hi[end] === h && lo[end] === l) end++;
  return [s, end];
}

/** Loads every pack under the given signature folders and builds one index. Errors name the pack and how to rebuild it. */
export function loadIndex(dirs: string[], params: { k: number; w: number }, filter: CommonFilter = DEFAULT_COMMON): SignatureIndex {
  const t0 = performance.now();
  const packs: LoadedPack[] = [];
  const seen = new Set<string>();
  for (const d of dirs) {
    for (const packDir of findPackDirs(d)) {
      const p = readPack(packDir, params);
      const id = `${p.manifest.project}@${p.manifest.version}`;
      if (seen.has(id)) continue; // the same pack given twice (shipped and --signatures) counts once
      seen.add(id);
      packs.push(p);
    }
  }
  const index = buildIndex(packs, filter);
  index.stats.loadMs = performance.now() - t0;
  return index;
}

export function packInfos(index: SignatureIndex): PackInfo[] {
  return index.packs.map((p) => ({
    id: `${p.manifest.project}@${p.manifest.version}`,
    project: p.manifest.project,
    version: p.manifest.version,
    commit: p.manifest.commit,
    remote: p.manifest.remote,
    licence: p.manifest.licence,
    category: p.manifest.category,
    files: p.manifest.files.length,
    fingerprints: p.arrays.fpHi.length,
    kind: p.manifest.kind,
  }));
}
