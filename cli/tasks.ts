/** `nightshift tasks`: recent tasks as a table (or JSON rows). */
import { renderTable } from '../core/status/render-table.js';
import { type TaskRow, taskRow } from '../core/status/task-row.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { TasksArgs } from './args.js';
import type { CliIo } from './io.js';

export async function listTaskRows(store: TaskStore, args: TasksArgs, now: Date): Promise<TaskRow[]> {
  const tasks = args.repo
    ? await store.listByRepository(args.repo, args.limit)
    : await store.listRecent(args.limit);
  return tasks.map((task) => taskRow(task, now));
}

export async function tasksCommand(store: TaskStore, args: TasksArgs, io: CliIo, now: Date): Promise<number> {
  const rows = await listTaskRows(store, args, now);
  io.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : renderTable(rows));
  return 0;
}
