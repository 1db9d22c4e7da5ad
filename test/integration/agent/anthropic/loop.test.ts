// The agent port's Anthropic backend through the real SDK against the scripted Messages API on loopback.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { CLEARED_MARKER } from '../../../../agent-task/agent/anthropic/clear-tool-results.js';
import {
  anthropicAgent,
  CONTINUE_MESSAGE,
  TRUNCATED_TOOL_CALL,
  type AnthropicAgentOptions,
} from '../../../../agent-task/agent/anthropic/loop.js';
import { transcriptOf } from '../../../../agent-task/agent/anthropic/transcript.js';
import { personMessage } from '../../../../agent-task/agent/prompt.js';
import type {
  AgentBrief,
  AgentEvent,
  AgentHooks,
  AgentResult,
  AgentResume,
  AgentTool,
  ToolOutcome,
} from '../../../../agent-task/agent/port.js';
import { DEFAULT_MODEL } from '../../../../core/model.js';
import { estimateCost } from '../../../../core/pricing.js';
import { EMPTY_USAGE } from '../../../../core/task.js';
import {
  bash,
  done,
  editor,
  reply,
  startScriptedModel,
  text,
  toolUse,
  type InBlock,
  type RecordedRequest,
  type ScriptStep,
  type ScriptedModel,
} from '../../../support/scripted-model/index.js';

const MODEL = DEFAULT_MODEL;
const SYSTEM = 'You are Nightshift, a background coding agent working in a git checkout.';

/** A fake shell: answers each command with a fixed-size output that names it. */
function fakeBash(outputChars = 40, calls: string[] = []): AgentTool {
  return {
    name: 'bash',
    spec: { kind: 'shell' },
    async run(input: unknown): Promise<ToolOutcome> {
      const command = String((input as { command?: unknown }).command);
      calls.push(command);
      if (command === 'false') return { content: 'exit code 1', isError: true };
      if (command === 'throw') throw new Error('sandbox went away');
      return { content: `ran: ${command}\n${'.'.repeat(outputChars)}`, isError: false };
    },
  };
}

function fakeEditor(): AgentTool {
  return {
    name: 'editor',
    spec: { kind: 'editor' },
    async run(input: unknown): Promise<ToolOutcome> {
      return { content: `edited ${String((input as { path?: unknown }).path)}`, isError: false };
    },
  };
}

let model: ScriptedModel | undefined;

afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function start(script: ScriptStep[]): Promise<ScriptedModel> {
  model = await startScriptedModel(script);
  return model;
}

/** The backend's options, the brief and the hooks of one run, in one object for brevity. */
type Options = AnthropicAgentOptions & AgentBrief & AgentHooks;

function options(m: ScriptedModel, overrides: Partial<Options> = {}): Options {
  return {
    client: new Anthropic({ baseURL: m.url, apiKey: 'test-key' }),
    model: MODEL,
    system: [SYSTEM],
    tools: [fakeBash(), fakeEditor()],
    firstMessage: 'Fix the failing test.',
    limits: { turns: 60, costUsd: 5, minutes: 30 },
    estimateCost: (usage) => estimateCost(MODEL, usage),
    shouldCancel: async () => false,
    retryDelayMs: 1,
    ...overrides,
  };
}

function runAgent(o: Options): Promise<AgentResult> {
  const { client, maxTokens, caching, maxRetries, retryDelayMs } = o;
  const { model, system, firstMessage, tools, limits, deadline, resume } = o;
  const { estimateCost, shouldCancel, pendingMessages, onEvent, signal, now, logger } = o;
  const agent = anthropicAgent({ client, maxTokens, caching, maxRetries, retryDelayMs });
  return agent.run(
    { model, system, firstMessage, tools, limits, deadline, resume },
    { estimateCost, shouldCancel, pendingMessages, onEvent, signal, now, logger },
  );
}

function continueAgent(previous: AgentResume, message: string, o: Omit<Options, 'firstMessage'>) {
  return runAgent({ ...o, firstMessage: message, resume: previous });
}

const transcript = (result: AgentResult): MessageParam[] => transcriptOf(result.conversation);

/** The turn-finished events, which the task shows as progress. */
function turnsOf(events: AgentEvent[]) {
  return events.flatMap((e) => (e.type === 'turn-finished' ? [e] : []));
}

function blocks(message: { content: string | InBlock[] } | undefined): InBlock[] {
  if (!message) return [];
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

/** Blocks with cache_control in a request, by section. */
function breakpoints(request: RecordedRequest) {
  const marked = (items: Array<{ cache_control?: unknown }>) =>
    items.filter((i) => i.cache_control != null).length;
  const system = Array.isArray(request.body.system) ? request.body.system : [];
  const tools = request.body.tools ?? [];
  const messages = request.body.messages.reduce((n, m) => n + marked(blocks(m)), 0);
  return {
    tools: marked(tools),
    system: marked(system),
    messages,
    total: marked(tools) + marked(system) + messages,
    lastToolMarked: tools.at(-1)?.cache_control != null,
    lastSystemMarked: system.at(-1)?.cache_control != null,
    newestMarked: blocks(request.body.messages.at(-1)).at(-1)?.cache_control != null,
  };
}

function expectAllAccepted(m: ScriptedModel) {
  expect(m.errors).toEqual([]);
  expect(m.requests.map((r) => r.status)).toEqual(m.requests.map(() => 200));
}

describe('runAgent', () => {
  it('runs a tool_use, answers with its tool_result, and finishes on end_turn', async () => {
    const m = await start([bash('npm test'), done('Fixed the off-by-one in sum().')]);
    const calls: string[] = [];
    const events: AgentEvent[] = [];
    const result = await runAgent(
      options(m, { tools: [fakeBash(40, calls), fakeEditor()], onEvent: (e) => events.push(e) }),
    );

    expect(result.outcome).toBe('done');
    expect(result.reason).toBeUndefined();
    expect(result.summary).toBe('Fixed the off-by-one in sum().');
    expect(calls).toEqual(['npm test']);
    expect(result.actions).toEqual(['bash: npm test']);
    expectAllAccepted(m);

    const [first, second] = m.requests;
    expect(first?.stream).toBe(true);
    expect(first?.body.tools?.map((t) => t.name)).toEqual(['bash', 'str_replace_based_edit_tool']);
    expect(m.lastToolResults()).toEqual([
      expect.objectContaining({
        name: 'bash',
        is_error: false,
        text: expect.stringMatching(/^ran: npm test/),
      }),
    ]);
    expect(second?.body.messages.map((msg) => msg.role)).toEqual(['user', 'assistant', 'user']);

    expect(transcript(result).map((msg) => msg.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(turnsOf(events).map((e) => [e.turn, e.recentActions])).toEqual([
      [1, ['bash: npm test']],
      [2, ['bash: npm test']],
    ]);
  });

  it('answers all tool calls of a turn in one user message, in order, errors included', async () => {
    const m = await start([
      reply(
        text('Looking around.'),
        bash('ls'),
        bash('false'),
        bash('throw'),
        editor({ command: 'view', path: 'a.ts' }),
      ),
      done(),
    ]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    const results = m.lastToolResults();
    expect(results.map((r) => [r.name, r.is_error])).toEqual([
      ['bash', false],
      ['bash', true],
      ['bash', true],
      ['str_replace_based_edit_tool', false],
    ]);
    expect(results[2]?.text).toContain('sandbox went away');
    expect(result.actions).toEqual(['bash: ls', 'bash: false', 'bash: throw', 'view a.ts']);
    // Only tool results in the user message, nothing else.
    expect(blocks(m.requests[1]?.body.messages.at(-1)).map((b) => b.type)).toEqual(
      Array(4).fill('tool_result'),
    );
  });

  it('sums usage and cost from every response', async () => {
    const m = await start([bash('ls'), bash('npm test'), done()]);
    const result = await runAgent(options(m));

    const totals = m.totals();
    expect(result.usage).toEqual({
      inputTokens: totals.input_tokens,
      outputTokens: totals.output_tokens,
      cacheReadTokens: totals.cache_read_input_tokens,
      cacheWriteTokens: totals.cache_creation_input_tokens,
      costUsd: estimateCost(MODEL, result.usage),
      turns: 3,
    });
    expect(result.usage.costUsd).toBeGreaterThan(0);
  });

  it('reports the cost of a model without a price as unknown (null), not 0', async () => {
    const m = await start([bash('ls'), done()]);
    const result = await runAgent(
      options(m, { model: 'claude-unknown-9', estimateCost: (u) => estimateCost('x', u) }),
    );
    expect(result.outcome).toBe('done');
    expect(result.usage.costUsd).toBeNull();
  });
});

describe('prompt caching', () => {
  it('marks tools, system and the newest turn, never more than 4 breakpoints, and reads the cache from the second request on', async () => {
    const m = await start([
      bash('ls'),
      bash('cat a.ts'),
      reply(bash('a'), bash('b'), bash('c')),
      bash('npm test'),
      done(),
    ]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    for (const request of m.requests) {
      const b = breakpoints(request);
      expect(b.total).toBeLessThanOrEqual(4);
      expect(b).toMatchObject({
        tools: 1,
        system: 1,
        lastToolMarked: true,
        lastSystemMarked: true,
        newestMarked: true,
      });
      expect(b.messages).toBe(request.index === 0 ? 1 : 2);
    }
    expect(m.usages[0]?.cache_read_input_tokens).toBe(0);
    for (const usage of m.usages.slice(1)) expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    // The stored transcript carries no breakpoints.
    expect(JSON.stringify(result.conversation)).not.toContain('cache_control');
  });

  async function fortyTurns(caching: boolean) {
    const steps: ScriptStep[] = Array.from({ length: 39 }, (_, i) => bash(`step ${i}`));
    const m = await start([...steps, done('All 39 steps done.')]);
    const result = await runAgent(options(m, { caching, tools: [fakeBash(2_000), fakeEditor()] }));
    expect(result.outcome).toBe('done');
    expect(result.usage.turns).toBe(40);
    expectAllAccepted(m);
    const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens } = m.totals();
    return {
      m,
      share: cache_read_input_tokens / (input_tokens + cache_read_input_tokens + cache_creation_input_tokens),
    };
  }

  it('reads at least 85% of the input tokens of a 40-turn task from the cache', async () => {
    const { share } = await fortyTurns(true);
    expect(share).toBeGreaterThanOrEqual(0.85);
  });

  it('sends no cache_control at all with caching off, and reads nothing from the cache', async () => {
    const { m, share } = await fortyTurns(false);
    expect(share).toBe(0);
    for (const request of m.requests) expect(request.rawBody).not.toContain('cache_control');
  });
});

describe('stop reasons', () => {
  it('answers a tool_use cut off by max_tokens with an error result, then goes on', async () => {
    const m = await start([
      {
        ...reply(
          text('Writing the file.'),
          toolUse('str_replace_based_edit_tool', { command: 'create', path: 'big.ts' }),
        ),
        stop_reason: 'max_tokens',
      },
      editor({ command: 'create', path: 'small.ts', file_text: 'x' }),
      done(),
    ]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    const [cut] = blocks(m.requests[1]?.body.messages.at(-1));
    expect(cut).toMatchObject({ type: 'tool_result', is_error: true, content: TRUNCATED_TOOL_CALL });
    expect(result.actions).toEqual(['create small.ts']);
  });

  it('runs the complete calls of a max_tokens reply and refuses only the cut-off last one', async () => {
    const m = await start([
      {
        ...reply(toolUse('bash', { command: 'ls' }), toolUse('bash', { command: 'ec' })),
        stop_reason: 'max_tokens',
      },
      done(),
    ]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    expect(m.lastToolResults().map((r) => [r.input, r.is_error])).toEqual([
      [{ command: 'ls' }, false],
      [{ command: 'ec' }, true],
    ]);
    expect(result.actions).toEqual(['bash: ls']);
  });

  it('asks the model to continue when max_tokens cut off text', async () => {
    const m = await start([{ ...text('The plan is'), stop_reason: 'max_tokens' }, done('Done.')]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    expect(m.requests[1]?.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'text', text: CONTINUE_MESSAGE, cache_control: { type: 'ephemeral' } }],
    });
    expect(result.summary).toBe('Done.');
  });

  it('sends a paused turn back as-is and lets the model go on', async () => {
    const m = await start([
      { ...text('Still searching.'), stop_reason: 'pause_turn' },
      bash('ls'),
      done('Found it.'),
    ]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    const second = m.requests[1]?.body.messages ?? [];
    expect(second.map((msg) => msg.role)).toEqual(['user', 'assistant']);
    expect(blocks(second.at(-1)).map((b) => b.text)).toEqual(['Still searching.']);
    // The continuation joins the paused assistant message; roles keep alternating.
    const third = m.requests[2]?.body.messages ?? [];
    expect(third.map((msg) => msg.role)).toEqual(['user', 'assistant', 'user']);
    expect(blocks(third[1]).map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(result.summary).toBe('Found it.');
  });

  it('stops with outcome refused on a refusal', async () => {
    const m = await start([bash('ls'), { content: [], stop_reason: 'refusal' }]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('refused');
    expect(result.reason).toMatch(/declined/);
    expect(result.usage.turns).toBe(2);
    // The transcript stays a valid conversation: it ends with the answered tool call.
    expect(transcript(result).at(-1)?.role).toBe('user');
  });

  it('clears old tool results when the context window is exceeded, and goes on', async () => {
    const steps = Array.from({ length: 6 }, (_, i) => bash(`step ${i}`));
    const m = await start([...steps, { ...text('…'), stop_reason: 'model_context_window_exceeded' }, done()]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    const retried = m.requests.at(-1)?.body.messages ?? [];
    const results = retried.flatMap((msg) => blocks(msg).filter((b) => b.type === 'tool_result'));
    expect(results.map((r) => r.content === CLEARED_MARKER)).toEqual([true, true, true, false, false, false]);
    // The cut-off reply was dropped: the request ends with the newest tool results.
    expect(retried.at(-1)?.role).toBe('user');
  });

  it('treats a 400 "prompt is too long" the same way', async () => {
    const steps = Array.from({ length: 5 }, (_, i) => bash(`step ${i}`));
    const m = await start([
      ...steps,
      { error: 400, message: 'prompt is too long: 201234 tokens > 200000 maximum' },
      done(),
    ]);
    const result = await runAgent(options(m));

    expect(result.outcome).toBe('done');
    expect(m.errors).toEqual([]);
    const results = m.requests
      .at(-1)
      ?.body.messages.flatMap((msg) => blocks(msg).filter((b) => b.type === 'tool_result'));
    expect(results?.map((r) => r.content === CLEARED_MARKER)).toEqual([true, true, false, false, false]);
  });

  it('fails when the context is exceeded again with nothing left to clear', async () => {
    const tooLong = { error: 400, message: 'prompt is too long: 201234 tokens > 200000 maximum' };
    const m = await start([bash('ls'), tooLong, tooLong, tooLong]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/context window.*nothing is left to clear/);
    // One clearing round (the one tool result), then nothing more to clear.
    expect(m.requests).toHaveLength(3);
  });
});

describe('errors', () => {
  it('retries two 529s and then succeeds', async () => {
    const m = await start([{ error: 529 }, { error: 529 }, done('ok')]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('done');
    expect(m.requests.map((r) => r.status)).toEqual([529, 529, 200]);
    expect(result.usage.turns).toBe(1);
  });

  it('retries a rate-limit 429 and a 500', async () => {
    const m = await start([{ error: 429 }, { error: 500 }, done('ok')]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('done');
    expect(m.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it('fails fast on a 429 that says the spend limit is reached', async () => {
    const m = await start([
      {
        error: 429,
        message:
          'You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.',
      },
      done(),
    ]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/spend limit.*usage limits/);
    expect(m.requests).toHaveLength(1);
  });

  it('gives up after the SDK retries when the API stays overloaded', async () => {
    const m = await start(Array.from({ length: 5 }, () => ({ error: 529 })));
    const result = await runAgent(options(m, { maxRetries: 2 }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/unavailable \(529\)/);
    expect(m.requests).toHaveLength(3);
  });

  it.each([
    [401, /API key \(401\)/],
    [403, /denied access \(403\)/],
    [400, /refused the request \(400\)/],
  ])('fails fast on a %i', async (status, reason) => {
    const m = await start([{ error: status }, done()]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(reason);
    expect(m.requests).toHaveLength(1);
  });

  it('retries a reply that breaks off mid-stream (socket reset, SSE error event)', async () => {
    const m = await start([
      bash('ls'),
      { reset: true, afterEvents: 3 },
      { error: 529, inStream: true },
      done('ok'),
    ]);
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('done');
    expect(m.errors).toEqual([]);
    expect(m.requests).toHaveLength(4);
    // Each retry sent the same conversation again.
    expect(m.requests[3]?.body.messages).toEqual(m.requests[1]?.body.messages);
  });

  it('gives up on a reply that keeps breaking off', async () => {
    const m = await start(Array.from({ length: 6 }, () => ({ reset: true as const, afterEvents: 2 })));
    const result = await runAgent(options(m));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/after 3 retries/);
    expect(m.requests).toHaveLength(4);
  });
});

describe('limits and cancellation', () => {
  const manySteps = () => Array.from({ length: 20 }, (_, i) => bash(`step ${i}`));

  it('stops at the turn limit with a valid transcript', async () => {
    const m = await start(manySteps());
    const result = await runAgent(options(m, { limits: { turns: 3, costUsd: 5, minutes: 30 } }));
    expect(result).toMatchObject({ outcome: 'limit', reason: 'turn limit (3) reached' });
    expect(m.requests).toHaveLength(3);
    expect(transcript(result).at(-1)?.role).toBe('user');
  });

  it('stops when the estimated cost reaches the limit', async () => {
    const m = await start(manySteps());
    const result = await runAgent(
      options(m, {
        limits: { turns: 60, costUsd: 0.5, minutes: 30 },
        estimateCost: (u) => (u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens) / 1_000,
      }),
    );
    expect(result).toMatchObject({ outcome: 'limit', reason: 'cost limit ($0.50) reached' });
    expect(result.usage.costUsd).toBeGreaterThanOrEqual(0.5);
    expect(m.requests.length).toBeLessThan(20);
  });

  it('stops at the time limit', async () => {
    const m = await start(manySteps());
    let clock = 0;
    const result = await runAgent(
      options(m, {
        limits: { turns: 60, costUsd: 5, minutes: 30 },
        now: () => clock,
        onEvent: (e) => {
          if (e.type === 'turn-finished') clock += 11 * 60_000;
        },
      }),
    );
    expect(result).toMatchObject({ outcome: 'limit', reason: 'time limit (30 minutes) reached' });
    expect(m.requests).toHaveLength(3);
  });

  it('aborts the request in flight at the time limit', async () => {
    const m = await start([
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return done();
      },
    ]);
    const result = await runAgent(options(m, { limits: { turns: 60, costUsd: 5, minutes: 0.002 } }));
    expect(result).toMatchObject({ outcome: 'limit', reason: 'time limit (0.002 minutes) reached' });
    expect(result.usage.turns).toBe(0);
  });

  it('goes on when the cancel check itself fails', async () => {
    const m = await start([bash('ls'), done()]);
    const result = await runAgent(
      options(m, {
        shouldCancel: async () => {
          throw new Error('store unreachable');
        },
      }),
    );
    expect(result.outcome).toBe('done');
  });

  it('stops between turns when the cancel flag is set', async () => {
    const m = await start(manySteps());
    let checks = 0;
    const result = await runAgent(options(m, { shouldCancel: async () => ++checks > 2 }));
    expect(result).toMatchObject({ outcome: 'cancelled' });
    expect(m.requests).toHaveLength(2);
    expect(transcript(result).at(-1)?.role).toBe('user');
  });

  it('aborts the request in flight when the signal fires', async () => {
    const controller = new AbortController();
    const m = await start([
      bash('ls'),
      async () => {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 100));
        return done();
      },
    ]);
    const result = await runAgent(options(m, { signal: controller.signal }));
    expect(result).toMatchObject({ outcome: 'cancelled' });
    expect(result.usage.turns).toBe(1);
  });
});

describe('events and messages mid-task', () => {
  it('reports each turn, the text, and each tool call by its neutral name with input and result', async () => {
    const m = await start([
      reply(text('Looking.'), bash('ls'), editor({ command: 'view', path: 'a.ts' })),
      done('Done.'),
    ]);
    const events: AgentEvent[] = [];
    const result = await runAgent(options(m, { onEvent: (e) => events.push(e) }));
    expect(result.outcome).toBe('done');
    expect(events.map((e) => [e.type, e.turn])).toEqual([
      ['turn-started', 1],
      ['text', 1],
      ['turn-finished', 1],
      ['tool-call', 1],
      ['tool-call', 1],
      ['turn-started', 2],
      ['text', 2],
      ['turn-finished', 2],
    ]);
    const calls = events.flatMap((e) => (e.type === 'tool-call' ? [e] : []));
    expect(calls.map(({ name, input, action, result }) => ({ name, input, action, result }))).toEqual([
      {
        name: 'bash',
        input: { command: 'ls' },
        action: 'bash: ls',
        result: { content: expect.stringMatching(/^ran: ls/), isError: false },
      },
      {
        name: 'editor',
        input: { command: 'view', path: 'a.ts' },
        action: 'view a.ts',
        result: { content: 'edited a.ts', isError: false },
      },
    ]);
    expect(turnsOf(events).at(-1)?.usage).toEqual(result.usage);
  });

  it('adds a message that arrived between turns to the next request, in a valid conversation', async () => {
    const m = await start([bash('ls'), bash('npm test'), done('Handled empty arrays too.')]);
    const inbox = [[], [{ author: 'alice', text: 'also handle empty arrays' }], []];
    const events: AgentEvent[] = [];
    const result = await runAgent(
      options(m, { pendingMessages: async () => inbox.shift() ?? [], onEvent: (e) => events.push(e) }),
    );

    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    expect(inbox).toEqual([]);
    // The first request is as before; the second carries the tool result, then the message.
    expect(m.requests[0]?.body.messages).toHaveLength(1);
    const second = m.requests[1]?.body.messages ?? [];
    expect(second.map((msg) => msg.role)).toEqual(['user', 'assistant', 'user']);
    expect(blocks(second.at(-1)).map((b) => [b.type, b.text])).toEqual([
      ['tool_result', undefined],
      ['text', personMessage('alice', 'also handle empty arrays')],
    ]);
    expect(blocks(second.at(-1))[1]?.text).toContain('@alice wrote on GitHub');
    // It stays in the conversation, once.
    const third = JSON.stringify(m.requests[2]?.body.messages);
    expect(third.split('also handle empty arrays')).toHaveLength(2);
    expect(events).toContainEqual({
      type: 'message-added',
      turn: 2,
      author: 'alice',
      text: 'also handle empty arrays',
    });
  });

  it('adds a message that arrived before the first request to the first user message', async () => {
    const m = await start([done()]);
    const pnpm = { author: 'bob', text: 'Use pnpm.' };
    const result = await runAgent(options(m, { pendingMessages: async () => [pnpm] }));
    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    expect(blocks(m.requests[0]?.body.messages[0]).map((b) => b.text)).toEqual([
      'Fix the failing test.',
      personMessage('bob', 'Use pnpm.'),
    ]);
  });

  it('waits with a message until a paused turn has been sent back, and goes on when the check fails', async () => {
    const m = await start([
      { ...text('Still searching.'), stop_reason: 'pause_turn' },
      bash('ls'),
      done('Found it.'),
    ]);
    let checks = 0;
    const result = await runAgent(
      options(m, {
        pendingMessages: async () => {
          checks += 1;
          if (checks === 1) throw new Error('store unreachable');
          return checks === 2 ? [{ author: 'carol', text: 'Look in src/.' }] : [];
        },
      }),
    );
    expect(result.outcome).toBe('done');
    expectAllAccepted(m);
    // Asked before the first request (it failed) and after the tool call, not after the pause.
    expect(checks).toBe(2);
    expect(m.requests[1]?.body.messages.map((msg) => msg.role)).toEqual(['user', 'assistant']);
    expect(blocks(m.requests[2]?.body.messages.at(-1)).map((b) => b.type)).toEqual(['tool_result', 'text']);
    expect(blocks(m.requests[2]?.body.messages.at(-1))[1]?.text).toBe(
      personMessage('carol', 'Look in src/.'),
    );
  });
});

describe('resuming a conversation', () => {
  it('continues a finished conversation with a new user message, counting usage across both', async () => {
    const m = await start([
      bash('npm test'),
      done('Fixed.'),
      bash('npm test'),
      done('Fixed the lint error too.'),
    ]);
    const first = await runAgent(options(m));
    expect(first.outcome).toBe('done');

    const { firstMessage: _unused, ...rest } = options(m);
    const second = await continueAgent(first, 'The checks failed:\n\nlint: missing semicolon', rest);

    expect(second.outcome).toBe('done');
    expect(second.summary).toBe('Fixed the lint error too.');
    expectAllAccepted(m);
    const sent = m.requests[2]?.body.messages ?? [];
    expect(sent.map((msg) => msg.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(blocks(sent.at(-1))[0]?.text).toContain('lint: missing semicolon');
    expect(second.usage.turns).toBe(4);
    expect(second.actions).toEqual(['bash: npm test', 'bash: npm test']);
    // The cache written in the first run is read in the second.
    expect(m.usages[2]?.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('refuses, as an error outcome, a conversation another backend made', async () => {
    const m = await start([done()]);
    const { firstMessage: _unused, ...rest } = options(m);
    const usage = EMPTY_USAGE;
    const result = await continueAgent(
      { conversation: { backend: 'other' }, usage, actions: [] },
      'Go on.',
      rest,
    );
    expect(result).toMatchObject({ outcome: 'error', reason: expect.stringMatching(/"other" backend/) });
    expect(m.requests).toHaveLength(0);
  });

  it('continues a conversation that stopped after tool results by joining that user message', async () => {
    const m = await start([bash('ls'), bash('pwd'), done()]);
    const first = await runAgent(options(m, { limits: { turns: 1, costUsd: 5, minutes: 30 } }));
    expect(first.outcome).toBe('limit');

    const { firstMessage: _unused, ...rest } = options(m);
    const second = await continueAgent(first, 'Go on.', rest);
    expect(second.outcome).toBe('done');
    expectAllAccepted(m);
    const last: MessageParam | undefined = transcript(second)[2];
    expect(last?.role).toBe('user');
    expect((last?.content as InBlock[]).map((b) => b.type)).toEqual(['tool_result', 'text']);
  });
});
