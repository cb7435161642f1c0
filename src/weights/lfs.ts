// Git-LFS pointer files: the oid is the SHA-256 of the real file, so file-level matching works without content.
export interface LfsPointer {
  oid: string; // hex sha256
  size: number;
}

export const LFS_MAX_POINTER = 1024;

export function parseLfsPointer(buf: Buffer): LfsPointer | undefined {
  if (buf.length > LFS_MAX_POINTER) return undefined;
  const text = buf.toString('utf8');
  if (!text.startsWith('version https://git-lfs.github.com/spec/')) return undefined;
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text)?.[1];
  const size = /^size (\d+)$/m.exec(text)?.[1];
  if (!oid || !size) return undefined;
  return { oid, size: Number(size) };
}
