/**
 * The agent loop: ask the model, run the tools it calls, answer with their results, until it
 * finishes, a limit or the cancel flag stops it, or the API fails in a way retrying will not cure.
 * It never throws: every way out is an `AgentResult` whose transcript is a valid conversation
 * that `continueAgent` can take up again (the verify step sends failing checks back this way).
 */
import type Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlock,
  ContentBlockParam,
  Message,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlock,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { BaseLogger } from 'pino';
import type { TokenUsage } from '../../core/pricing.js';
import type { Phase, Progress } from '../../core/progress.js';
import type { Usage } from '../../core/task.js';
import type { ClientTool, ToolOutcome } from '../tools/tool.js';
import { prepareSystem, prepareTools, withMessageBreakpoints } from './cache-breakpoints.js';
import { clearOldToolResults } from './clear-tool-results.js';
import { describeToolCall as defaultDescribeToolCall } from '../tools/describe-tool-call.js';
import { classifyModelError, failFastOnSpendLimit } from './model-errors.js';
import { sleep } from '../../core/sleep.js';

export type AgentOutcome = 'done' | 'limit' | 'cancelled' | 'refused' | 'error';

export interface AgentLimits {
  /** Model requests, counted over the whole conversation (a continued one included). */
  turns: number;
  /** Estimated USD, over the whole conversation; stops once reached (unknown cost never stops). */
  costUsd: number;
  /** Wall clock of this call, unless `deadline` sets the end for the whole task. */
  minutes: number;
}

/** What a finished run hands to `continueAgent`. */
export type AgentConversation = Pick<AgentResult, 'transcript' | 'usage' | 'actions'>;

export interface AgentOptions {
  client: Anthropic;
  model: string;
  /** Output tokens per model request (streamed, so no non-streaming cap applies). */
  maxTokens?: number;
  system: string | TextBlockParam[];
  tools: ClientTool[];
  /** The user message that starts (or, with `continueFrom`, continues) the conversation. */
  firstUserMessage: string;
  /** An earlier run to continue: its transcript, usage and actions carry on. */
  continueFrom?: AgentConversation;
  limits: AgentLimits;
  /** When the time limit ends (ms since the epoch), shared by every call of one task. */
  deadline?: number;
  /** Cost of the cumulative usage; null when the model's price is unknown. */
  estimateCost: (usage: TokenUsage) => number | null;
  /** Checked between turns. */
  shouldCancel: () => Promise<boolean>;
  /** Called once per turn; the caller throttles. */
  onProgress: (progress: Progress) => void;
  describeToolCall?: (name: string, input: unknown) => string;
  /** Prompt caching breakpoints (default true; false for the benchmark's comparison). */
  caching?: boolean;
  now?: () => number;
  /** Aborting cancels the model request in flight; the outcome is 'cancelled'. */
  signal?: AbortSignal;
  /** Retries the SDK makes per request (429, 5xx, 529, connection errors), with backoff. Default 4. */
  maxRetries?: number;
  /** First delay before retrying a reply that broke off mid-stream; doubles each time. Default 1000. */
  retryDelayMs?: number;
  /** Reported as the progress phase. Default 'working'. */
  phase?: Phase;
  logger?: Pick<BaseLogger, 'info' | 'warn'>;
}

export interface AgentResult {
  outcome: AgentOutcome;
  /** Why it stopped, when not 'done': "turn limit (60) reached", the API's error, the refusal. */
  reason?: string;
  /** The model's final text (its most recent text, if it did not finish). */
  summary: string;
  usage: Usage;
  transcript: MessageParam[];
  /** One line per tool call that ran, in order. */
  actions: string[];
}

export const DEFAULT_MAX_TOKENS = 16_000;
export const DEFAULT_MAX_RETRIES = 4;
/** Retries of a reply that broke off after it started (the SDK retries only before that). */
export const STREAM_RETRIES = 3;
/** Tool results kept whole when old ones are cleared to free context. */
export const KEEP_TOOL_RESULTS = 3;
const LAST_ACTIONS = 5;
const MAX_TIMER_MS = 2 ** 31 - 1;

export const CONTINUE_MESSAGE =
  'Your reply was cut off at the output token limit. Continue from where you stopped.';
export const TRUNCATED_TOOL_CALL =
  'This tool call was cut off at the output token limit before its input was complete, so it was not run. Retry it with smaller input (for example, write a large file in several steps).';

export async function runAgent(options: AgentOptions): Promise<AgentResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const { limits } = options;
  const caching = options.caching ?? true;
  const system = prepareSystem(options.system, caching);
  const tools = prepareTools(
    options.tools.map((tool) => tool.definition),
    caching,
  );
  const toolsByName = new Map(
    options.tools.flatMap((tool) =>
      'name' in tool.definition ? [[tool.definition.name, tool] as const] : [],
    ),
  );
  const describe = options.describeToolCall ?? defaultDescribeToolCall;

  const previous = options.continueFrom;
  const transcript: MessageParam[] = previous ? previous.transcript.slice() : [];
  const usage: Usage = previous
    ? { ...previous.usage }
    : { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, turns: 0 };
  const actions: string[] = previous ? previous.actions.slice() : [];
  let summary = '';
  /** The newest message of the last request that was answered: its prefix is in the cache. */
  let cachedThrough: number | undefined;
  let brokenReplies = 0;

  appendUser(
    transcript,
    [{ type: 'text', text: options.firstUserMessage.trim() || (previous ? 'Continue.' : 'Start the task.') }],
    false,
  );

  const finish = (outcome: AgentOutcome, reason?: string): AgentResult => ({
    outcome,
    ...(reason === undefined ? {} : { reason }),
    summary,
    usage: { ...usage },
    transcript,
    actions,
  });
  const timeLimit = () => `time limit (${limits.minutes} minutes) reached`;
  const deadline = options.deadline ?? started + limits.minutes * 60_000;

  /** A failing cancel check (the store unreachable for a moment) must not end the run. */
  const cancelRequested = async (): Promise<boolean> => {
    try {
      return await options.shouldCancel();
    } catch (error) {
      options.logger?.warn({ err: error }, 'cancel check failed; going on');
      return false;
    }
  };

  /** Why to stop before the next request, if anything says so. */
  const stopBeforeTurn = async (): Promise<AgentResult | undefined> => {
    if (options.signal?.aborted) return finish('cancelled', 'cancelled');
    if (await cancelRequested()) return finish('cancelled', 'cancelled');
    if (usage.turns >= limits.turns) return finish('limit', `turn limit (${limits.turns}) reached`);
    if (usage.costUsd !== null && usage.costUsd >= limits.costUsd) {
      return finish('limit', `cost limit ($${limits.costUsd.toFixed(2)}) reached`);
    }
    if (now() >= deadline) return finish('limit', timeLimit());
    return undefined;
  };

  const request = async (): Promise<Message> => {
    const messages = caching ? withMessageBreakpoints(transcript, cachedThrough) : transcript.slice();
    const signals: AbortSignal[] = [];
    if (options.signal) signals.push(options.signal);
    const remaining = deadline - now();
    if (remaining <= MAX_TIMER_MS) signals.push(AbortSignal.timeout(Math.max(1, remaining)));
    const stream = options.client.messages.stream(
      {
        model: options.model,
        max_tokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
        ...(system.length > 0 ? { system } : {}),
        ...(tools.length > 0 ? { tools } : {}),
        messages,
      },
      {
        maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
        middleware: [failFastOnSpendLimit],
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      },
    );
    const message = await stream.finalMessage();
    cachedThrough = messages.length - 1;
    return message;
  };

  /** Frees context by clearing old tool results; false when nothing is left to clear. */
  const freeContext = (why: string): boolean => {
    const cleared = clearOldToolResults(transcript, KEEP_TOOL_RESULTS) || clearOldToolResults(transcript, 0);
    options.logger?.warn({ cleared, why }, 'context window exceeded: cleared old tool results');
    return cleared > 0;
  };
  const contextExhausted = (why: string) =>
    finish(
      'error',
      `the conversation no longer fits the model's context window and nothing is left to clear (${why})`,
    );

  /** Answers every tool call of a reply, in order, in one user message (progress is reported first). */
  const answerToolCalls = async (toolUses: ToolUseBlock[], truncatedLast: boolean): Promise<void> => {
    const runnable = truncatedLast ? toolUses.slice(0, -1) : toolUses;
    for (const block of runnable) actions.push(describe(block.name, block.input));
    report();
    const results: ToolResultBlockParam[] = [];
    for (const block of toolUses) {
      const outcome: ToolOutcome = runnable.includes(block)
        ? await runTool(toolsByName, block)
        : { content: TRUNCATED_TOOL_CALL, isError: true };
      results.push({
        type: 'tool_result',
        tool_use_id: block.id,
        content: outcome.content === '' ? '(no output)' : outcome.content,
        ...(outcome.isError ? { is_error: true } : {}),
      });
    }
    appendUser(transcript, results, true);
  };

  const report = () => {
    try {
      options.onProgress({
        phase: options.phase ?? 'working',
        turn: usage.turns,
        maxTurns: limits.turns,
        lastActions: actions.slice(-LAST_ACTIONS),
        usage: { ...usage },
      });
    } catch (error) {
      options.logger?.warn({ err: error }, 'onProgress threw');
    }
  };

  try {
    for (;;) {
      const stop = await stopBeforeTurn();
      if (stop) return stop;

      let message: Message;
      try {
        message = await request();
      } catch (error) {
        const info = classifyModelError(error);
        if (info.kind === 'aborted') {
          if (options.signal?.aborted) return finish('cancelled', 'cancelled');
          return finish('limit', timeLimit());
        }
        if (info.kind === 'transient' && brokenReplies < STREAM_RETRIES) {
          brokenReplies += 1;
          options.logger?.warn(
            { attempt: brokenReplies, reason: info.message },
            'model reply broke off; retrying',
          );
          await sleep((options.retryDelayMs ?? 1000) * 2 ** (brokenReplies - 1), options.signal);
          continue;
        }
        if (info.kind === 'context') {
          if (freeContext(info.message)) continue;
          return contextExhausted(info.message);
        }
        return finish(
          'error',
          info.kind === 'transient' ? `${info.message} (after ${STREAM_RETRIES} retries)` : info.message,
        );
      }
      brokenReplies = 0;
      addUsage(usage, message, options.estimateCost);

      const stopReason = message.stop_reason;
      if (stopReason === 'refusal') {
        report();
        return finish('refused', refusalReason(message));
      }
      if (stopReason === 'model_context_window_exceeded') {
        // The reply was cut short by the window: drop it, make room, and ask again.
        report();
        if (freeContext('model_context_window_exceeded')) continue;
        return contextExhausted('model_context_window_exceeded');
      }

      const content = message.content;
      const text = textOf(content);
      if (text) summary = text;
      if (content.length > 0) appendAssistant(transcript, content);
      const toolUses = content.filter((block): block is ToolUseBlock => block.type === 'tool_use');

      if (stopReason === 'pause_turn') {
        // A long server-side turn paused: sending it back as-is lets the model go on.
        report();
        continue;
      }
      if (stopReason === 'max_tokens') {
        if (toolUses.length > 0) {
          // A tool_use cut off mid-input is answered with an error, so the conversation stays valid.
          await answerToolCalls(toolUses, content.at(-1)?.type === 'tool_use');
        } else {
          report();
          appendUser(transcript, [{ type: 'text', text: CONTINUE_MESSAGE }], false);
        }
        continue;
      }
      if (toolUses.length > 0) {
        // tool_use (or, defensively, any reply that calls tools): answer every call.
        await answerToolCalls(toolUses, false);
        continue;
      }
      // end_turn, stop_sequence: the model is done.
      report();
      return finish('done');
    }
  } catch (error) {
    return finish('error', `agent loop failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Continues a finished (or stopped) run with a new user message, e.g. the output of failing checks. */
export function continueAgent(
  previous: AgentConversation,
  userMessage: string,
  options: Omit<AgentOptions, 'firstUserMessage' | 'continueFrom'>,
): Promise<AgentResult> {
  return runAgent({ ...options, continueFrom: previous, firstUserMessage: userMessage });
}

async function runTool(toolsByName: Map<string, ClientTool>, block: ToolUseBlock): Promise<ToolOutcome> {
  const tool = toolsByName.get(block.name);
  if (!tool) {
    return {
      content: `Unknown tool "${block.name}". The tools are: ${[...toolsByName.keys()].join(', ') || 'none'}.`,
      isError: true,
    };
  }
  try {
    return await tool.run(block.input);
  } catch (error) {
    return {
      content: `The tool failed: ${error instanceof Error ? error.message : String(error)}`,
      isError: true,
    };
  }
}

/** Appends to the last message if it is the user's (roles must alternate), else starts a new one. */
function appendUser(transcript: MessageParam[], blocks: ContentBlockParam[], toolResults: boolean): void {
  const last = transcript.at(-1);
  if (last?.role !== 'user') {
    transcript.push({ role: 'user', content: blocks });
    return;
  }
  const existing: ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  // tool_result blocks must come first in a user message.
  const content = toolResults ? [...blocks, ...existing] : [...existing, ...blocks];
  transcript[transcript.length - 1] = { role: 'user', content };
}

/** Appends the reply; a reply that continues a paused turn joins the assistant message it continues. */
function appendAssistant(transcript: MessageParam[], content: ContentBlock[]): void {
  const blocks = content as ContentBlockParam[];
  const last = transcript.at(-1);
  if (last?.role !== 'assistant') {
    transcript.push({ role: 'assistant', content: blocks });
    return;
  }
  const existing: ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  transcript[transcript.length - 1] = { role: 'assistant', content: [...existing, ...blocks] };
}

function addUsage(usage: Usage, message: Message, estimateCost: (usage: TokenUsage) => number | null): void {
  const reported = message.usage;
  usage.inputTokens += reported.input_tokens;
  usage.outputTokens += reported.output_tokens;
  usage.cacheReadTokens += reported.cache_read_input_tokens ?? 0;
  usage.cacheWriteTokens += reported.cache_creation_input_tokens ?? 0;
  usage.turns += 1;
  usage.costUsd = estimateCost(usage);
}

function textOf(content: ContentBlock[]): string {
  return content
    .flatMap((block) => (block.type === 'text' ? [block.text.trim()] : []))
    .filter(Boolean)
    .join('\n\n');
}

function refusalReason(message: Message): string {
  const details = message.stop_details;
  const why = details?.explanation ?? (details?.category ? `category: ${details.category}` : undefined);
  return why ? `the model declined the request (${why})` : 'the model declined the request';
}
