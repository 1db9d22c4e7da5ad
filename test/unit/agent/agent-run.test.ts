import { describe, expect, it } from 'vitest';
import { AgentRun } from '../../../agent-task/agent/agent-run.js';
import { personMessage } from '../../../agent-task/agent/prompt.js';
import { EMPTY_USAGE } from '../../../core/task.js';
import type { AgentBrief, AgentEvent, AgentHooks, AgentTool } from '../../../agent-task/agent/port.js';

const shell: AgentTool = {
  name: 'bash',
  spec: { kind: 'shell' },
  run: async (input) => {
    if ((input as { command?: string }).command === 'throw') throw new Error('sandbox went away');
    return { content: 'ok', isError: false };
  },
};

function agentRun(hooks: Partial<AgentHooks> = {}, brief: Partial<AgentBrief> = {}) {
  const events: AgentEvent[] = [];
  const run = new AgentRun(
    {
      model: 'm',
      system: [],
      firstMessage: ' ',
      tools: [shell],
      limits: { turns: 2, costUsd: 1, minutes: 1 },
      ...brief,
    },
    {
      estimateCost: (u) => u.inputTokens / 1000,
      shouldCancel: async () => false,
      onEvent: (e) => events.push(e),
      now: () => 0,
      ...hooks,
    },
    ['bash', 'str_replace_based_edit_tool'],
  );
  return { run, events };
}

describe('AgentRun', () => {
  it('answers an unknown tool with the names the model knows, and a throwing tool with an error', async () => {
    const { run, events } = agentRun();
    expect(await run.runTool({ name: 'browser', tool: undefined, input: {} })).toEqual({
      content: 'Unknown tool "browser". The tools are: bash, str_replace_based_edit_tool.',
      isError: true,
    });
    expect(await run.runTool({ name: 'bash', tool: shell, input: { command: 'throw' } })).toEqual({
      content: 'The tool failed: sandbox went away',
      isError: true,
    });
    expect(events.map((e) => (e.type === 'tool-call' ? [e.name, e.action] : e.type))).toEqual([
      ['browser', 'browser'],
      ['bash', 'bash: throw'],
    ]);
  });

  it('counts turns, usage and cost, and stops at the turn and cost limits', async () => {
    const { run } = agentRun();
    expect(run.firstMessage).toBe('Start the task.');
    expect(await run.stopBeforeTurn()).toBeUndefined();
    run.addUsage({ inputTokens: 400, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(run.usage).toMatchObject({ turns: 1, costUsd: 0.4 });
    run.addUsage({ inputTokens: 700, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(await run.stopBeforeTurn()).toEqual({ outcome: 'limit', reason: 'turn limit (2) reached' });
    const costly = agentRun({}, { limits: { turns: 9, costUsd: 1, minutes: 1 } }).run;
    costly.addUsage({ inputTokens: 1_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(await costly.stopBeforeTurn()).toEqual({ outcome: 'limit', reason: 'cost limit ($1.00) reached' });
  });

  it('carries usage and actions of a resumed run on', () => {
    const usage = { ...EMPTY_USAGE, inputTokens: 5, outputTokens: 1, turns: 1 };
    const { run } = agentRun(
      {},
      { resume: { conversation: { backend: 'x' }, usage, actions: ['bash: ls'] } },
    );
    expect(run.firstMessage).toBe('Continue.');
    expect(run.nextTurn).toBe(2);
    run.turnFinished([{ name: 'bash', tool: shell, input: { command: 'pwd' } }]);
    expect(run.actions).toEqual(['bash: ls', 'bash: pwd']);
    expect(usage.turns).toBe(1);
  });

  it('survives a listener, a cancel check and a message check that throw', async () => {
    const warnings: string[] = [];
    const { run } = agentRun({
      onEvent: () => {
        throw new Error('listener');
      },
      shouldCancel: async () => {
        throw new Error('store');
      },
      pendingMessages: async () => {
        throw new Error('store');
      },
      logger: { info: () => undefined, warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') },
    });
    run.turnFinished();
    expect(await run.stopBeforeTurn()).toBeUndefined();
    expect(await run.pendingMessages()).toEqual([]);
    expect(warnings).toEqual([
      'onEvent threw',
      'cancel check failed; going on',
      'pending message check failed; asking again next turn',
    ]);
  });

  it('drops blank messages and reports the others as added before the next turn', async () => {
    const { run, events } = agentRun({
      pendingMessages: async () => [
        { author: 'alice', text: '  ' },
        { author: 'alice', text: 'Use pnpm.' },
      ],
    });
    expect(await run.pendingMessages()).toEqual([personMessage('alice', 'Use pnpm.')]);
    expect(events).toEqual([{ type: 'message-added', turn: 1, author: 'alice', text: 'Use pnpm.' }]);
  });
});
