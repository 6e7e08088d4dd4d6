/** A progress bar on a terminal (cli-progress, on stderr), nothing otherwise. */
import cliProgress from 'cli-progress';
import type { CliStream } from './output.js';

export interface ProgressReporter {
  update(done: number, total?: number): void;
  stop(): void;
}

const none: ProgressReporter = { update() {}, stop() {} };

/** A bar on `stream` when it is a terminal; a no-op reporter when it is not (the caller prints a summary). */
export function progressReporter(stream: CliStream, label: string, total: number): ProgressReporter {
  if (!stream.isTTY) return none;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} [{bar}] {value}/{total}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.legacy,
  );
  bar.start(Math.max(total, 0), 0);
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal !== bar.getTotal()) bar.setTotal(newTotal);
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
