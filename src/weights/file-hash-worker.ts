// SHA-256 of a whole file computed in a worker thread while the main thread hashes tensors from the same chunks
// (research notes: full passes are CPU-bound on SHA-256; two cores nearly double throughput).
// The main thread reads each chunk straight into a shared slot; the worker hashes it in place. Synchronous on the
// main side (Atomics.wait), so the readers keep their plain synchronous API.
import { Worker } from 'node:worker_threads';

// Control words: [state slot0, state slot1, len slot0, len slot1, done, error]; state 0 free, 1 full, 2 finish.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { sab, ctl, chunk, out } = workerData;
const c = new Int32Array(ctl);
const h = createHash('sha256');
try {
  for (let i = 0; ; i++) {
    const s = i % 2;
    while (Atomics.load(c, s) === 0) Atomics.wait(c, s, 0, 1000);
    if (Atomics.load(c, s) === 2) break;
    h.update(new Uint8Array(sab, s * chunk, Atomics.load(c, 2 + s)));
    Atomics.store(c, s, 0);
    Atomics.notify(c, s);
  }
  Buffer.from(out).write(h.digest('hex'), 'latin1');
} catch (e) {
  Atomics.store(c, 5, 1);
}
Atomics.store(c, 4, 1);
Atomics.notify(c, 4);
`;

const WAIT_LIMIT_MS = 120_000;

export class ParallelFileHasher {
  private readonly sab: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly out: SharedArrayBuffer;
  private readonly worker: Worker;
  private slot = 0;

  constructor(readonly chunk: number) {
    this.sab = new SharedArrayBuffer(2 * chunk);
    const ctl = new SharedArrayBuffer(6 * 4);
    this.ctl = new Int32Array(ctl);
    this.out = new SharedArrayBuffer(64);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab: this.sab, ctl, chunk, out: this.out } });
    this.worker.unref();
  }

  private waitWhile(index: number, value: number): void {
    let waited = 0;
    while (Atomics.load(this.ctl, index) === value) {
      if (Atomics.load(this.ctl, 5)) throw new Error('file hash worker failed');
      Atomics.wait(this.ctl, index, value, 500);
      waited += 500;
      if (waited > WAIT_LIMIT_MS) throw new Error('file hash worker did not respond');
    }
  }

  /** The next free slot as a Buffer to read a chunk into. */
  nextSlot(): Buffer {
    this.waitWhile(this.slot, 1);
    return Buffer.from(this.sab, this.slot * this.chunk, this.chunk);
  }

  /** Hand the filled slot to the worker. */
  submit(len: number): void {
    Atomics.store(this.ctl, 2 + this.slot, len);
    Atomics.store(this.ctl, this.slot, 1);
    Atomics.notify(this.ctl, this.slot);
    this.slot ^= 1;
  }

  digest(): string {
    try {
      this.waitWhile(this.slot, 1);
      Atomics.store(this.ctl, this.slot, 2);
      Atomics.notify(this.ctl, this.slot);
      this.waitWhile(4, 0);
      if (Atomics.load(this.ctl, 5)) throw new Error('file hash worker failed');
      return Buffer.from(this.out).toString('latin1');
    } finally {
      void this.worker.terminate();
    }
  }

  abort(): void {
    void this.worker.terminate();
  }
}
