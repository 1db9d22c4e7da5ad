/** `nightshift show <task-id>`: one task's record and its progress log. */
import { renderTaskDetails } from '../core/status/render-task-details.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { ShowArgs } from './args.js';
import type { CliIo } from './io.js';

export async function showCommand(store: TaskStore, args: ShowArgs, io: CliIo, now: Date): Promise<number> {
  const task = await store.load(args.taskId);
  const log = await store.readLog(args.taskId);
  io.stdout.write(
    args.json ? `${JSON.stringify({ task, log }, null, 2)}\n` : renderTaskDetails(task, log, now),
  );
  return 0;
}
