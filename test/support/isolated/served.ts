// An isolated function written the documented way, with serveIsolated; run in a child process with
// `execArgv: ['--import', 'tsx', '--conditions=source']` so it loads from TypeScript sources.
import { writeFileSync } from 'node:fs';
import { serveIsolated, UnrecoverableError } from 'longhaul';

interface Input {
  readonly mode: 'double' | 'busy' | 'unrecoverable' | 'throw' | 'unsendable';
  readonly n?: number;
  /** Where a busy run writes its process id, so the test can check it is gone. */
  readonly pidFile?: string;
}

serveIsolated((input: Input) => {
  switch (input.mode) {
    case 'double':
      return { doubled: (input.n ?? 0) * 2 };
    case 'busy':
      if (input.pidFile) writeFileSync(input.pidFile, String(process.pid));
      for (;;) {}
    case 'unrecoverable':
      throw new UnrecoverableError('the input can never work');
    case 'throw':
      throw Object.assign(new TypeError('bad shape'), { code: 'bad_shape' });
    case 'unsendable':
      return { fn: () => 1 };
  }
});
