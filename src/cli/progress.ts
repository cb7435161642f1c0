/**
 * Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds elsewhere (CI logs), nothing
 * when quiet. Never writes to stdout, which may carry the report.
 */
export interface Progress {
  update(phase: string, done: number, total: number): void;
  done(): void;
}

export function makeProgress(opts: { enabled: boolean; stream?: NodeJS.WriteStream; intervalMs?: number }): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!opts.enabled) return { update: () => undefined, done: () => undefined };
  const tty = stream.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb';
  const interval = opts.intervalMs ?? (tty ? 80 : 5000);
  let last = 0;
  let drawn = false;
  return {
    update(phase, done, total) {
      const now = Date.now();
      if (now - last < interval && done !== total) return;
      last = now;
      if (tty) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : 0;
        stream.write(`\r${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files`);
        drawn = true;
      } else {
        stream.write(`scratch-audit: ${phase} ${done}/${total} files\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
