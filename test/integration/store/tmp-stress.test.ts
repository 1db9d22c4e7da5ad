import { it } from 'vitest';
import { startTestStore } from '../../support/dynamo.js';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';

it('stress', async () => {
  const stats: number[] = [];
  for (let round = 0; round < 15; round++) {
    const t = await startTestStore({ transactionConflicts: 'cancel' });
    let sleeps = 0;
    const store = new DynamoTaskStore({ client: t.client, tableName: t.tableName, retry: { attempts: 40, sleep: (ms) => { sleeps++; return new Promise((r) => setTimeout(r, ms)); } } });
    const base = { repository: 'o/r', installationId: 1, target: { kind: 'issue' as const, number: 1 }, trigger: { kind: 'cli' as const, text: '' }, engineer: 'e' };
    const tasks = await Promise.all(Array.from({ length: 20 }, () => store.create(base)));
    await Promise.all(tasks.map((task) => store.acquireLock(task)));
    const maxAttempts: number[] = [];
    const t0 = Date.now();
    await Promise.all(tasks.map(async (task) => {
      let n = 0;
      const s2 = new DynamoTaskStore({ client: t.client, tableName: t.tableName, retry: { attempts: 40, sleep: (ms) => { n++; return new Promise((r) => setTimeout(r, ms)); } } });
      await s2.transition(task, 'cancelled');
      maxAttempts.push(n);
    }));
    stats.push(Math.max(...maxAttempts));
    console.log('round', round, 'max retries', Math.max(...maxAttempts), 'ms', Date.now() - t0, 'lock sleeps', sleeps);
    await t.close();
  }
});
