/**
 * Entry, wiring only: remove what dead task processes left in the work root (leftovers.ts). The
 * local runner starts it as it starts a task (same environment), at `npm start` and after a child
 * died without ending; with `--pid <n>`, only that process's folders.
 */
import { tmpdir } from 'node:os';
import { createLogger } from '../core/log.js';
import { removeLeftovers } from './leftovers.js';

async function main(): Promise<void> {
  const log = createLogger(process.env.LOG_LEVEL ?? 'info').child({ component: 'leftovers' });
  const pidArg = process.argv.indexOf('--pid');
  const pid = pidArg >= 0 ? Number(process.argv[pidArg + 1]) : undefined;
  const workRoot = process.env.NIGHTSHIFT_WORK_ROOT || tmpdir();
  const found = await removeLeftovers(workRoot, { log, ...(pid && Number.isInteger(pid) ? { pid } : {}) });
  if (found.removed.length || found.kept.length || found.locks) {
    log.info(
      { removed: found.removed, kept: found.kept, uidLocks: found.locks },
      `removed ${found.removed.length} task folder(s) and ${found.locks} uid lock(s) left by stopped tasks`,
    );
  }
}

main().catch((error: unknown) => {
  console.error('clean-leftovers failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
