/**
 * The repository's setup commands, in the agent's shell, within `setupTimeoutMinutes` for all of
 * them, between the cache's restore and its save (setup-cache.ts). The commands see `SETUP_CACHE`
 * (`hit`, `miss` or `off`), so a command that starts from scratch (`npm ci`) can be skipped when
 * its result was restored. A command that fails stops the task (SetupFailedError) unless the
 * repository says `setupFailure: continue`, when its failure is returned for the agent's brief.
 */
import type { RepoConfig } from '../../core/config.js';
import { startStep } from '../step-log.js';
import type { BashSession } from '../tools/bash-session.js';
import { enterPhase, type WorkContext } from '../work-context.js';
import { makeNextSpare, restoreSetupCache, saveSetupCache, type CacheInput } from './setup-cache.js';
import { SetupFailedError, outputTail, type SetupFailure } from './setup-failure.js';

export async function runSetup(
  ctx: WorkContext,
  shell: BashSession,
  cacheInput: CacheInput,
  config: RepoConfig,
): Promise<SetupFailure[]> {
  if (config.setup.length === 0) return [];
  const { deps, record } = ctx;
  const taskId = record.task.id;
  const cache = await restoreSetupCache(ctx, cacheInput, config);
  await shell.run(`export SETUP_CACHE=${cache.state}`, { timeoutMs: 30_000 });

  // One budget for all setup commands, as documented; a command gets what is left of it.
  const deadline = Date.now() + config.setupTimeoutMinutes * (deps.minuteMs ?? 60_000);
  const failures: SetupFailure[] = [];
  for (const command of config.setup) {
    const left = deadline - Date.now();
    let failure: SetupFailure | undefined;
    if (left <= 0) {
      await deps.store.appendLog(taskId, 'setup', `${command} → skipped: the setup time limit was used up`);
      failure = { command, exitCode: null, timedOut: true, skipped: true, tail: '' };
    } else {
      await enterPhase(ctx, 'setup', `setup: ${command}`);
      const ran = startStep(ctx.log, 'setup');
      const result = await shell.run(command, { timeoutMs: left });
      ran(`setup \`${command}\`: ${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}`, {
        command,
        exitCode: result.exitCode,
      });
      await deps.store.appendLog(
        taskId,
        'setup',
        `${command} → ${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}`,
      );
      if (result.exitCode !== 0 || result.timedOut) {
        const tail = outputTail(result.output, ctx.secrets());
        failure = { command, exitCode: result.exitCode, timedOut: result.timedOut, skipped: false, tail };
      }
    }
    if (!failure) continue;
    if (config.setupFailure === 'fail') throw new SetupFailedError(failure);
    failures.push(failure);
  }
  // Only a setup that succeeded is worth keeping; the agent has not started yet.
  if (failures.length === 0) {
    makeNextSpare(ctx, cache.restored ?? (await saveSetupCache(ctx, cacheInput, cache)));
  }
  return failures;
}
