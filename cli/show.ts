/**
 * `nightshift show <task-id>`: one task's record and its progress log; with `--log`, its session
 * log (core/session-log/render-terminal.ts), and with `--follow` each new entry as it is stored
 * until the task ends.
 */
import { sessionBlocks } from '../core/session-log/blocks.js';
import type { SessionEntry } from '../core/session-log/entries.js';
import { renderSessionBlock, renderSessionText } from '../core/session-log/render-terminal.js';
import { renderTaskDetails } from '../core/status/render-task-details.js';
import type { TaskStore } from '../core/store/task-store.js';
import { statusLabel } from '../core/status/task-row.js';
import type { ShowArgs } from './args.js';
import { follow, type FollowOptions } from './follow.js';
import type { CliIo } from './io.js';

export async function showCommand(
  store: TaskStore,
  args: ShowArgs,
  io: CliIo,
  now: Date,
  followOptions: Pick<FollowOptions, 'intervalMs' | 'signal'> = {},
): Promise<number> {
  const task = await store.load(args.taskId);
  if (args.follow) return followSession(store, args.taskId, io, followOptions);
  if (args.log) {
    const session = await store.readSession(args.taskId);
    const entries = session.map((s) => s.entry);
    io.stdout.write(
      args.json ? `${JSON.stringify({ task, session }, null, 2)}\n` : renderSessionText(entries),
    );
    return 0;
  }
  const log = await store.readLog(args.taskId);
  io.stdout.write(
    args.json ? `${JSON.stringify({ task, log }, null, 2)}\n` : renderTaskDetails(task, log, now),
  );
  return 0;
}

/** Print the log so far, then each entry stored after it, until the task ends. */
async function followSession(
  store: TaskStore,
  taskId: string,
  io: CliIo,
  options: Pick<FollowOptions, 'intervalMs' | 'signal'>,
): Promise<number> {
  let lastSeq = -1;
  const started = new Set<number>();
  const print = (entries: SessionEntry[]) => {
    for (const block of sessionBlocks(entries)) {
      let text = renderSessionBlock(block);
      // A turn printed before goes on under its heading: only what is new is printed.
      if (block.kind === 'turn') {
        if (started.has(block.turn)) text = text.split('\n').slice(1).join('\n');
        started.add(block.turn);
      }
      if (text) io.stdout.write(`${text}\n`);
    }
  };
  const ended = await follow(store, taskId, {
    ...options,
    onUpdate: async () => {
      const fresh = await store.readSession(taskId, lastSeq);
      if (fresh.length === 0) return;
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
      print(fresh.map((s) => s.entry));
    },
  });
  io.stdout.write(`\n${statusLabel(ended)}${ended.result?.headline ? `: ${ended.result.headline}` : ''}\n`);
  return 0;
}
