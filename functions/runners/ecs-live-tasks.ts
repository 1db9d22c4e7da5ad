/**
 * The agent tasks alive in the cluster, as ECS knows them (not as the store says): every task this
 * deployment started (`startedBy`) that is not stopped yet, with when it started and the Nightshift
 * task it was started for (its tag). The sweeper stops those past the hard maximum.
 */
import {
  DescribeTasksCommand,
  paginateListTasks,
  type ECSClient,
  type Task as EcsTask,
} from '@aws-sdk/client-ecs';
import type { LiveRunner } from '../../core/ports.js';

/** ECS `startedBy` of every agent task the runner starts: how they are found again. */
export const STARTED_BY = 'nightshift';
/** The tag naming the Nightshift task an agent task was started for. */
export const TASK_TAG = 'nightshift:task';

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_BATCH = 100;

export async function listLiveEcsTasks(
  client: Pick<ECSClient, 'send'>,
  cluster: string,
): Promise<LiveRunner[]> {
  const arns: string[] = [];
  // desiredStatus RUNNING lists tasks that are pending or running: everything not yet stopping.
  for await (const page of paginateListTasks(
    { client: client as ECSClient },
    { cluster, startedBy: STARTED_BY, desiredStatus: 'RUNNING' },
  )) {
    arns.push(...(page.taskArns ?? []));
  }
  const live: LiveRunner[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
    const { tasks = [] } = await client.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_BATCH), include: ['TAGS'] }),
    );
    for (const task of tasks) {
      const runner = liveRunner(task);
      if (runner) live.push(runner);
    }
  }
  return live;
}

function liveRunner(task: EcsTask): LiveRunner | undefined {
  // A task still pulling its image has no startedAt yet: it has existed since createdAt.
  const since = task.startedAt ?? task.createdAt;
  if (!task.taskArn || !since) return undefined;
  const taskId = task.tags?.find((t) => t.key === TASK_TAG)?.value;
  return { runnerId: task.taskArn, startedAt: since, ...(taskId ? { taskId } : {}) };
}
