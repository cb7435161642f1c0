// Positional, bounded file access. Every reader in src/weights goes through here, so every read is checked
// against the file size and counted (the bench reports bytes read).
import * as fs from 'node:fs';

/** A problem with one weights file; the message always names the file. */
export class WeightsFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'WeightsFormatError';
  }
}

/** Bytes read through PositionalReader since the process started (or the last reset). */
export const ioStats = { bytesRead: 0, reads: 0 };

export function resetIoStats(): void {
  ioStats.bytesRead = 0;
  ioStats.reads = 0;
}

/** The largest single read we ever allocate for; bigger spans are streamed in chunks by the callers. */
export const MAX_SINGLE_READ = 64 * 1024 * 1024;

export class PositionalReader {
  private closed = false;
  private constructor(
    readonly path: string,
    readonly label: string,
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** `label` is what errors print (repository-relative path when known). */
  static open(path: string, label = path): PositionalReader {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      return new PositionalReader(path, label, fd, size);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  fail(problem: string): never {
    throw new WeightsFormatError(this.label, problem);
  }

  /** Throws unless [pos, pos+len) lies inside the file. */
  check(pos: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(len) || pos < 0 || len < 0 || pos + len > this.size) {
      this.fail(`${what}: range ${pos}+${len} is outside the file (${this.size} bytes)`);
    }
  }

  read(pos: number, len: number, what = 'read'): Buffer {
    this.check(pos, len, what);
    if (len > MAX_SINGLE_READ) this.fail(`${what}: refusing a single read of ${len} bytes`);
    const buf = Buffer.allocUnsafe(len);
    this.readInto(buf, 0, len, pos);
    return buf;
  }

  readInto(buf: Buffer, off: number, len: number, pos: number): void {
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, buf, off + done, len - done, pos + done);
      if (n <= 0) this.fail(`unexpected end of file at ${pos + done}`);
      done += n;
    }
    ioStats.bytesRead += len;
    ioStats.reads++;
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      fs.closeSync(this.fd);
    }
  }
}

/**
 * A read-ahead window over a PositionalReader. Parsers of headers made of many small fields (GGUF metadata, ONNX
 * protobuf) read through it, so a field costs a memory access rather than a system call. The caller checks bounds
 * first and says what it reads; the window only refills itself when the bytes asked for are not all in it.
 */
export class ReadWindow {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(
    private readonly r: PositionalReader,
    private readonly span: number,
  ) {}

  /** Bytes [pos, pos + n) of the file. */
  view(pos: number, n: number, what: string): Buffer {
    if (pos < this.at || pos + n > this.at + this.buf.length) {
      this.buf = this.r.read(pos, Math.min(Math.max(n, this.span), this.r.size - pos), what);
      this.at = pos;
    }
    return this.buf.subarray(pos - this.at, pos - this.at + n);
  }
}

/** Runs `fn` with an open reader and always closes it. */
export function withReader<T>(path: string, label: string, fn: (r: PositionalReader) => T): T {
  const r = PositionalReader.open(path, label);
  try {
    return fn(r);
  } finally {
    r.close();
  }
}

/** Little-endian u64 as a JS number, refusing values above 2^53 (no real file is that large). */
export function readU64(r: PositionalReader, buf: Buffer, off: number, what: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`${what}: value ${v} is absurdly large`);
  return Number(v);
}
