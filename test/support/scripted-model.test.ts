import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import type { MessageParam, TextBlockParam, ToolUnion } from '@anthropic-ai/sdk/resources/messages';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bash,
  done,
  editor,
  reply,
  startScriptedModel,
  text,
  toolUse,
  type ScriptStep,
  type ScriptedModel,
} from './scripted-model/index.js';

const MODEL = 'claude-sonnet-5-5';
const TOOLS: ToolUnion[] = [
  { type: 'bash_20250124', name: 'bash' },
  { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
];

let model: ScriptedModel | undefined;

async function start(script: ScriptStep[] = []) {
  model = await startScriptedModel(script);
  return model;
}

function client(m: ScriptedModel, maxRetries = 0) {
  return new Anthropic({ baseURL: m.url, apiKey: 'test-key', maxRetries });
}

afterEach(async () => {
  await model?.close();
  model = undefined;
});

const ask: MessageParam[] = [{ role: 'user', content: 'Fix the failing test.' }];

describe('scripted model', () => {
  it('plays a tool_use then end_turn conversation through messages.create', async () => {
    const m = await start([bash('npm test'), done('Fixed the test.')]);
    const c = client(m);

    const first = await c.messages.create({ model: MODEL, max_tokens: 1024, tools: TOOLS, messages: ask });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content[0];
    expect(use).toMatchObject({ type: 'tool_use', name: 'bash', input: { command: 'npm test' } });
    if (use?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(use.id).toMatch(/^toolu_/);
    expect(first.usage.input_tokens).toBeGreaterThan(0);
    expect(first.usage.output_tokens).toBeGreaterThan(0);

    const second = await c.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: TOOLS,
      messages: [
        ...ask,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '1 passing' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toMatchObject([{ type: 'text', text: 'Fixed the test.' }]);

    expect(m.lastToolResults()).toEqual([
      {
        tool_use_id: use.id,
        name: 'bash',
        input: { command: 'npm test' },
        is_error: false,
        text: '1 passing',
        content: '1 passing',
      },
    ]);
    expect(m.requests).toHaveLength(2);
    expect(m.requests[0]?.apiKey).toBe('test-key');
    expect(m.requests[0]?.headers['authorization']).toBe('Bearer test-key'); // SDK 1.x: no x-api-key
    expect(m.requests[0]?.body.model).toBe(MODEL);
    expect(m.usages).toHaveLength(2);
    expect(m.totals().replies).toBe(2);
    expect(m.remaining).toBe(0);
    expect(m.errors).toEqual([]);
  });

  it('streams the same conversation through messages.stream().finalMessage() and the beta client', async () => {
    const edit = editor({ command: 'str_replace', path: 'src/a.ts', old_str: 'a', new_str: 'b' });
    const m = await start([
      reply(text('Editing now.'), edit),
      done('All done, a long summary of the change.'),
    ]);
    const c = client(m);

    const stream = c.messages.stream({ model: MODEL, max_tokens: 1024, tools: TOOLS, messages: ask });
    let streamed = '';
    stream.on('text', (delta) => (streamed += delta));
    const first = await stream.finalMessage();
    expect(streamed).toBe('Editing now.');
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toMatchObject([
      { type: 'text', text: 'Editing now.' },
      {
        type: 'tool_use',
        name: 'str_replace_based_edit_tool',
        input: { command: 'str_replace', path: 'src/a.ts', old_str: 'a', new_str: 'b' },
      },
    ]);
    expect(first.usage).toEqual(expect.objectContaining(m.usages[0]));
    const use = first.content[1];
    if (use?.type !== 'tool_use') throw new Error('expected tool_use');

    const second = await c.beta.messages
      .stream({
        betas: ['context-management-2025-06-27'],
        model: MODEL,
        max_tokens: 1024,
        tools: TOOLS,
        messages: [
          ...ask,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'edited' }] },
        ],
      })
      .finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toMatchObject([{ type: 'text', text: 'All done, a long summary of the change.' }]);
    expect(second.usage.output_tokens).toBe(m.usages[1]?.output_tokens);
    expect(m.requests.map((r) => r.stream)).toEqual([true, true]);
    expect(m.requests[1]?.betas).toEqual(['context-management-2025-06-27']);
    expect(m.errors).toEqual([]);
  });

  it('refuses an unanswered tool_use with a 400 the SDK raises as BadRequestError', async () => {
    const m = await start([done()]);
    const request = client(m).messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: TOOLS,
      messages: [
        ...ask,
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }],
        },
        { role: 'user', content: 'go on' },
      ],
    });
    await expect(request).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(request).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: expect.stringContaining(
        '`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1',
      ),
    });
    expect(m.remaining).toBe(1); // a refused request does not consume a step
  });

  it('refuses a tool_result that answers no tool_use of the previous message', async () => {
    const m = await start([done()]);
    const request = client(m).messages.create({
      model: MODEL,
      max_tokens: 1024,
      messages: [
        ...ask,
        { role: 'assistant', content: 'Sure.' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'x' }] },
      ],
    });
    await expect(request).rejects.toThrow(/unexpected `tool_use_id` found in `tool_result` blocks: toolu_x/);
  });

  it('refuses wrong role order, a missing max_tokens, and more than 4 cache breakpoints', async () => {
    const m = await start([done()]);
    const c = client(m);
    await expect(
      c.messages.create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'assistant', content: 'Hi' }] }),
    ).rejects.toMatchObject({ status: 400, apiMessage: 'messages: first message must use the "user" role' });
    await expect(
      c.messages.create({
        model: MODEL,
        max_tokens: 1024,
        messages: [...ask, { role: 'user', content: 'again' }],
      }),
    ).rejects.toThrow(/roles must alternate/);
    await expect(
      c.messages.create({
        model: MODEL,
        messages: ask,
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    ).rejects.toThrow(/max_tokens: Field required/);
    const five: TextBlockParam[] = [1, 2, 3, 4, 5].map((i) => ({
      type: 'text',
      text: `part ${i}`,
      cache_control: { type: 'ephemeral' },
    }));
    await expect(
      c.messages.create({ model: MODEL, max_tokens: 1024, system: five, messages: ask }),
    ).rejects.toThrow(/A maximum of 4 blocks with cache_control may be provided. Found 5/);
    expect(m.remaining).toBe(1);
  });

  it('lets the SDK retry two 529s and succeed', async () => {
    const m = await start([{ error: 529 }, { error: 529 }, done('ok')]);
    const result = await client(m, 2).messages.create({ model: MODEL, max_tokens: 1024, messages: ask });
    expect(result.content).toMatchObject([{ type: 'text', text: 'ok' }]);
    expect(m.requests.map((r) => r.status)).toEqual([529, 529, 200]);
    expect(m.requests[2]?.headers['x-stainless-retry-count']).toBe('2');
  });

  it('surfaces a 429 when retries are off', async () => {
    const m = await start([{ error: 429, headers: { 'retry-after': '7' } }]);
    const error = await client(m, 0)
      .messages.create({ model: MODEL, max_tokens: 1024, messages: ask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    const { headers, requestID } = error as APIError;
    expect(headers?.get('retry-after')).toBe('7');
    expect(requestID).toMatch(/^req_/);
  });

  it('reads the cache on the second request that shares a long system prompt with a breakpoint', async () => {
    const prompt = 'You are Nightshift, a careful coding agent. '.repeat(100); // 4400 characters
    const system: TextBlockParam[] = [{ type: 'text', text: prompt, cache_control: { type: 'ephemeral' } }];
    const m = await start([done('one'), done('two')]);
    const c = client(m);
    await c.messages.create({ model: MODEL, max_tokens: 1024, system, messages: ask });
    const second = await c.messages.create({
      model: MODEL,
      max_tokens: 1024,
      system,
      messages: [{ role: 'user', content: 'Another issue entirely.' }],
    });

    expect(m.usages[0]).toMatchObject({ cache_creation_input_tokens: 1100, cache_read_input_tokens: 0 });
    expect(second.usage.cache_read_input_tokens).toBe(1100);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeLessThan(10);
    expect(m.totals()).toMatchObject({ cache_read_input_tokens: 1100, cache_creation_input_tokens: 1100 });
  });

  it('reads nothing from the cache without cache_control', async () => {
    const prompt = 'You are Nightshift, a careful coding agent. '.repeat(100);
    const m = await start([done('one'), done('two')]);
    const c = client(m);
    await c.messages.create({ model: MODEL, max_tokens: 1024, system: prompt, messages: ask });
    const second = await c.messages.create({ model: MODEL, max_tokens: 1024, system: prompt, messages: ask });
    expect(second.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(second.usage.input_tokens).toBeGreaterThan(1100);
  });

  it('caches a growing conversation with a breakpoint on its last block', async () => {
    const m = await start([bash('ls'), done()]);
    const c = client(m);
    const first = await c.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: TOOLS,
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'x'.repeat(400), cache_control: { type: 'ephemeral' } }],
        },
      ],
    });
    const use = first.content[0];
    if (use?.type !== 'tool_use') throw new Error('expected tool_use');
    const second = await c.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: TOOLS,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: use.id,
              content: 'a.ts',
              cache_control: { type: 'ephemeral' },
            },
          ],
        },
      ],
    });
    const written = m.usages[0]?.cache_creation_input_tokens ?? 0;
    expect(written).toBeGreaterThan(100);
    expect(second.usage.cache_read_input_tokens).toBe(written);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBe(0);
  });

  it('answers count_tokens with the same estimate', async () => {
    const m = await start();
    const counted = await client(m).messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
    });
    expect(counted.input_tokens).toBe(10);
    expect(m.countTokensRequests).toHaveLength(1);
    expect(m.requests).toHaveLength(0);
  });

  it('throws a connection error on a reset without retries, and recovers with retries', async () => {
    const m = await start([{ reset: true }]);
    await expect(
      client(m, 0).messages.create({ model: MODEL, max_tokens: 1024, messages: ask }),
    ).rejects.toBeInstanceOf(Anthropic.APIConnectionError);

    m.push({ reset: true }, done('recovered'));
    const result = await client(m, 2).messages.create({ model: MODEL, max_tokens: 1024, messages: ask });
    expect(result.content).toMatchObject([{ type: 'text', text: 'recovered' }]);
    expect(m.requests).toHaveLength(3);
  });

  it('breaks a stream off mid-response on a reset', async () => {
    const m = await start([{ reset: true, afterEvents: 3 }]);
    const stream = client(m, 2).messages.stream({ model: MODEL, max_tokens: 1024, messages: ask });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.AnthropicError);
    expect(m.requests).toHaveLength(1); // started streams are not retried
  });

  it('sends an overloaded error inside a stream', async () => {
    const m = await start([{ error: 529, inStream: true }]);
    const stream = client(m).messages.stream({ model: MODEL, max_tokens: 1024, messages: ask });
    await expect(stream.finalMessage()).rejects.toMatchObject({ type: 'overloaded_error' });
  });

  it('plays dynamic steps that read the last tool_result', async () => {
    const m = await start([
      toolUse('run_tests', {}),
      () => {
        const [result] = m.lastToolResults();
        return result?.is_error ? text(`failed: ${result.text}`) : done('passed');
      },
    ]);
    const c = client(m);
    const tools: ToolUnion[] = [{ name: 'run_tests', input_schema: { type: 'object', properties: {} } }];
    const first = await c.messages.create({ model: MODEL, max_tokens: 1024, tools, messages: ask });
    const use = first.content[0];
    if (use?.type !== 'tool_use') throw new Error('expected tool_use');
    const second = await c.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools,
      messages: [
        ...ask,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: use.id,
              is_error: true,
              content: [{ type: 'text', text: 'boom' }],
            },
          ],
        },
      ],
    });
    expect(second.content).toMatchObject([{ type: 'text', text: 'failed: boom' }]);
  });

  it('records script errors: a tool the request does not offer, an exhausted script', async () => {
    const m = await start([bash('ls')]);
    const c = client(m, 2);
    await expect(c.messages.create({ model: MODEL, max_tokens: 1024, messages: ask })).rejects.toThrow(
      /scripted tool_use names tool 'bash', which the request does not offer/,
    );
    await expect(c.messages.create({ model: MODEL, max_tokens: 1024, messages: ask })).rejects.toThrow(
      /script exhausted/,
    );
    expect(m.requests).toHaveLength(2); // not retried
    expect(m.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('does not offer'),
      expect.stringContaining('script exhausted'),
    ]);

    m.onEmpty = 'done';
    const result = await c.messages.create({ model: MODEL, max_tokens: 1024, messages: ask });
    expect(result.content).toMatchObject([{ type: 'text', text: 'done' }]);
  });
});
