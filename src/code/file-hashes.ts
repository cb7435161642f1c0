import { createHash } from 'node:crypto';

/** Git's blob id of raw bytes: equal to the object id upstream git stores for the same file content. */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Hash of a normalized token stream: equal for renamed, reformatted and comment-stripped copies of a file. */
export function normalizedHash(kinds: Uint8Array): string {
  return createHash('sha256').update(kinds).digest('hex').slice(0, 32);
}

/** Short content id for findings, stable across runs and line moves. */
export function contentId(prefix: string, ...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha1');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return `${prefix}:${h.digest('hex').slice(0, 16)}`;
}
