import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_MAX_CODE_BYTES = 8 * 1024 * 1024;

export type ReadOutcome = { bytes: Buffer } | { skipped: string };

/** NUL bytes in the first 8 KiB: the same test git uses to call a file binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Reads a text file that will be parsed, or says why it is skipped (too large, binary, unreadable). */
export function readTextFile(root: string, rel: string, maxBytes = DEFAULT_MAX_CODE_BYTES): ReadOutcome {
  const abs = path.join(root, rel);
  let fd: number | undefined;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) return { skipped: `oversized: ${(size / 1048576).toFixed(1)} MiB is over the ${(maxBytes / 1048576).toFixed(0)} MiB limit for code files` };
    const bytes = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const got = off < size ? bytes.subarray(0, off) : bytes;
    if (looksBinary(got)) return { skipped: 'binary content (NUL bytes) in a file named as code' };
    return { bytes: got };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { skipped: `unreadable: ${err.code ?? ''} ${err.message}`.trim() };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
