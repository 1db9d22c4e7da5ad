/**
 * A coding task as the agent benchmarks play it: the real system prompt, the real tool
 * definitions (Anthropic's bash and text editor) answered by trivial in-process tools with
 * realistic output (about a kilobyte: a file excerpt, a command's output), and a script in which
 * the model explores, edits, runs tests and finishes. Everything deterministic.
 */
import Anthropic from '@anthropic-ai/sdk';
import { performance } from 'node:perf_hooks';
import { buildSystemPrompt } from '../../agent-task/agent/prompt.js';
import type { AgentTool, ToolOutcome } from '../../agent-task/tools/tool.js';
import { bash, done, editor, reply, text, type ReplyStep } from '../../test/support/scripted-model/index.js';
import { WORDS, seededRandom } from '../support/generated-text.js';

export const API_KEY = 'sk-ant-bench-not-a-key';

export interface Span {
  start: number;
  end: number;
}

/** Lines that read like TypeScript, `chars` long or a little more. */
export function codeLike(seed: number, chars: number): string {
  const next = seededRandom(seed);
  const word = () => WORDS[Math.floor(next() * WORDS.length)] ?? 'value';
  const lines: string[] = [];
  let size = 0;
  for (let n = 1; size < chars; n++) {
    const line = `${String(n).padStart(4)}\tconst ${word()}${n} = ${word()}(${word()}, ${Math.floor(next() * 1000)}); // ${word()} ${word()}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** Tools with the real specs (shell, editor) whose `run` answers at once with about `outputChars` of text. */
export function trivialTools(outputChars = 1_000): { tools: AgentTool[]; spans: Span[] } {
  const spans: Span[] = [];
  let calls = 0;
  const timed = (answer: () => string) => async (): Promise<ToolOutcome> => {
    const start = performance.now();
    const content = answer();
    spans.push({ start, end: performance.now() });
    return { content, isError: false };
  };
  const tools: AgentTool[] = [
    {
      name: 'bash',
      spec: { kind: 'shell' },
      run: timed(() => `${codeLike(++calls, outputChars)}\nexit code 0`),
    },
    {
      name: 'editor',
      spec: { kind: 'editor' },
      run: timed(() => codeLike(++calls, outputChars)),
    },
  ];
  return { tools, spans };
}

/** `turns` model replies: tool calls (some with a sentence first), then a final summary. */
export function scriptFor(turns: number): ReplyStep[] {
  const steps: ReplyStep[] = [];
  for (let i = 0; i < turns - 1; i++) {
    const file = `src/module-${i % 40}.ts`;
    const call =
      i % 4 === 0
        ? bash(`grep -rn "value${i}" src | head -40`)
        : i % 4 === 1
          ? editor({ command: 'view', path: file, view_range: [1, 40] })
          : i % 4 === 2
            ? editor({ command: 'str_replace', path: file, old_str: `value${i} = `, new_str: `total${i} = ` })
            : bash('npm test 2>&1 | tail -40');
    steps.push(
      i % 5 === 0 ? reply(text(`Next I look at ${file} to see how value${i} is used.`), call) : call,
    );
  }
  steps.push(done('Renamed the counters in src/ and updated their tests; `npm test` passes (212 tests).'));
  return steps;
}

export function systemPrompt(): ReturnType<typeof buildSystemPrompt> {
  return buildSystemPrompt({
    repository: 'acme/calc',
    task: {
      kind: 'issue',
      title: 'Rename the value counters to totals',
      body: `The counters in src/ are called value1, value2, … but they hold running totals. Rename them and keep the tests passing.\n\n${codeLike(7, 1_500)}`,
    },
    ruleFiles: [{ path: 'AGENTS.md', content: `# Conventions\n\n${codeLike(3, 2_000)}` }],
    testCommand: 'npm test',
  });
}

export const FIRST_MESSAGE = 'Start on the task. Explore the repository first.';

/**
 * An SDK client whose requests are timed from the call until the last byte of the answer: the
 * model's time. Parsing the buffered answer is left to the SDK, so it counts as ours.
 */
export function timedClient(baseURL: string): { client: Anthropic; spans: Span[]; requestBytes: number[] } {
  const spans: Span[] = [];
  const requestBytes: number[] = [];
  const timedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const start = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    spans.push({ start, end: performance.now() });
    requestBytes.push(typeof init?.body === 'string' ? Buffer.byteLength(init.body) : 0);
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  const client = new Anthropic({ baseURL, apiKey: API_KEY, fetch: timedFetch, maxRetries: 0 });
  return { client, spans, requestBytes };
}
