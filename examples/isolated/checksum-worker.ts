// The CPU-bound half of the `checksum` task: a plain function, served to runIsolated. It runs in its own
// process, so a timeout or a cancel terminates it even though it never looks at a signal.
import { createHash } from 'node:crypto';
import { serveIsolated } from 'longhaul';

serveIsolated(({ text, rounds }: { text: string; rounds: number }) => {
  let digest = text;
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
  return { digest };
});
