import { analyzeCode, type CodeAnalysis } from '../code/analyze';
import type { WinnowParams } from '../code/fingerprint';
import { readTextFile } from '../discover/read';
import { cacheKey, readCached, writeCached } from './cache';

export interface AnalyzeTask {
  id: number;
  root: string;
  path: string;
  kind: 'python' | 'notebook';
  params: WinnowParams;
  maxBytes: number;
  /** Size on disk, to schedule large files first. */
  bytes: number;
  /** Top-level folders of the repository, when imports and hub references are wanted. */
  repoDirs?: string[];
  /** Folder of the per-file analysis cache; none: no cache. */
  cacheDir?: string;
}

export type AnalyzeOutcome =
  | { id: number; ok: true; analysis: CodeAnalysis; cached: boolean }
  | { id: number; ok: false; skipped: string };

/** Reads and analyzes one code file; every failure becomes a reason, never an exception. */
export function runAnalyzeTask(t: AnalyzeTask): AnalyzeOutcome {
  const read = readTextFile(t.root, t.path, t.maxBytes);
  if ('skipped' in read) return { id: t.id, ok: false, skipped: read.skipped };
  try {
    const key = t.cacheDir ? cacheKey({ path: t.path, bytes: read.bytes, k: t.params.k, w: t.params.w, repoDirs: t.repoDirs }) : '';
    if (t.cacheDir) {
      const hit = readCached(t.cacheDir, key);
      if (hit) return { id: t.id, ok: true, analysis: hit, cached: true };
    }
    const policy = t.repoDirs ? { path: t.path, repoDirs: t.repoDirs } : undefined;
    const analysis = analyzeCode(read.bytes, t.kind, t.params, { policy });
    if (t.cacheDir) writeCached(t.cacheDir, key, analysis);
    return { id: t.id, ok: true, analysis, cached: false };
  } catch (e) {
    return { id: t.id, ok: false, skipped: `cannot analyze: ${(e as Error).message}` };
  }
}

/** Buffers a result owns, to transfer rather than copy between threads. */
export function transferables(o: AnalyzeOutcome): ArrayBuffer[] {
  if (!o.ok) return [];
  const a = o.analysis;
  return [a.kinds, a.lines, a.raw, a.fpHi, a.fpLo, a.fpPos].map((x) => x.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);
}
