/**
 * The agent port over Anthropic's Messages API: ask the model, run the tools it calls, answer
 * with their results, until it finishes, a limit or the cancel flag stops it, or the API fails in
 * a way retrying will not cure. Between turns, messages that arrived for the agent join the
 * conversation. It never throws: every way out is an `AgentResult` whose conversation is valid
 * and can be resumed (the verify step sends failing checks back this way). What every backend
 * shares (limits, usage, actions, events, running a tool) is `AgentRun`'s.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type {
  Message,
  MessageParam,
  ToolResultBlockParam,
  ToolUseBlock,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { sleep } from '../../../core/sleep.js';
import { AgentRun, type ToolCall } from '../agent-run.js';
import type {
  Agent,
  AgentBrief,
  AgentHooks,
  AgentOutcome,
  AgentResult,
  AgentTool,
  ToolOutcome,
} from '../port.js';
import { prepareSystem, prepareTools, withMessageBreakpoints } from './cache-breakpoints.js';
import { clearOldToolResults } from './clear-tool-results.js';
import { classifyModelError, failFastOnSpendLimit } from './model-errors.js';
import { anthropicTools } from './tool-definitions.js';
import {
  appendAssistant,
  appendUser,
  appendUserText,
  conversationOf,
  refusalReason,
  textOf,
  tokensOf,
  transcriptOf,
} from './transcript.js';

export interface AnthropicAgentOptions {
  client: Anthropic;
  /** Output tokens per model request (streamed, so no non-streaming cap applies). */
  maxTokens?: number;
  /** Prompt caching breakpoints (default true; false for the benchmark's comparison). */
  caching?: boolean;
  /** Retries the SDK makes per request (429, 5xx, 529, connection errors), with backoff. Default 4. */
  maxRetries?: number;
  /** First delay before retrying a reply that broke off mid-stream; doubles each time. Default 1000. */
  retryDelayMs?: number;
}

export const DEFAULT_MAX_TOKENS = 16_000;
export const DEFAULT_MAX_RETRIES = 4;
/** Retries of a reply that broke off after it started (the SDK retries only before that). */
export const STREAM_RETRIES = 3;
/** Tool results kept whole when old ones are cleared to free context. */
export const KEEP_TOOL_RESULTS = 3;
const MAX_TIMER_MS = 2 ** 31 - 1;

export const CONTINUE_MESSAGE =
  'Your reply was cut off at the output token limit. Continue from where you stopped.';
export const TRUNCATED_TOOL_CALL =
  'This tool call was cut off at the output token limit before its input was complete, so it was not run. Retry it with smaller input (for example, write a large file in several steps).';

export function anthropicAgent(options: AnthropicAgentOptions): Agent {
  return { run: (brief, hooks) => runLoop(options, brief, hooks) };
}

async function runLoop(
  options: AnthropicAgentOptions,
  brief: AgentBrief,
  hooks: AgentHooks,
): Promise<AgentResult> {
  const caching = options.caching ?? true;
  const system = prepareSystem(brief.system, caching);
  const { definitions, byName } = anthropicTools(brief.tools);
  const tools = prepareTools(definitions, caching);
  const run = new AgentRun(brief, hooks, [...byName.keys()]);
  const { signal } = hooks;

  let transcript: MessageParam[] = [];
  const finish = (outcome: AgentOutcome, reason?: string): AgentResult =>
    run.result(outcome, reason, conversationOf(transcript));
  try {
    transcript = brief.resume ? transcriptOf(brief.resume.conversation) : [];
  } catch (error) {
    return finish('error', error instanceof Error ? error.message : String(error));
  }
  /** The newest message of the last request that was answered: its prefix is in the cache. */
  let cachedThrough: number | undefined;
  let brokenReplies = 0;

  appendUserText(transcript, [run.firstMessage]);

  const request = async (): Promise<Message> => {
    const messages = caching ? withMessageBreakpoints(transcript, cachedThrough) : transcript.slice();
    const signals: AbortSignal[] = [];
    if (signal) signals.push(signal);
    const remaining = run.deadline - run.now();
    if (remaining <= MAX_TIMER_MS) signals.push(AbortSignal.timeout(Math.max(1, remaining)));
    run.turnStarted();
    const stream = options.client.messages.stream(
      {
        model: brief.model,
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
    hooks.logger?.warn({ cleared, why }, 'context window exceeded: cleared old tool results');
    return cleared > 0;
  };
  const contextExhausted = (why: string) =>
    finish(
      'error',
      `the conversation no longer fits the model's context window and nothing is left to clear (${why})`,
    );

  /** Answers every tool call of a reply, in order, in one user message (the turn is reported first). */
  const answerToolCalls = async (toolUses: ToolUseBlock[], truncatedLast: boolean): Promise<void> => {
    const calls = toolUses.map((block) => toolCall(byName, block));
    const runnable = truncatedLast ? calls.slice(0, -1) : calls;
    run.turnFinished(runnable);
    const results: ToolResultBlockParam[] = [];
    for (const [i, block] of toolUses.entries()) {
      const call = calls[i] as ToolCall;
      const outcome = await run.runTool(
        call,
        runnable.includes(call) ? undefined : { content: TRUNCATED_TOOL_CALL, isError: true },
      );
      results.push({
        type: 'tool_result',
        tool_use_id: block.id,
        content: resultContent(outcome),
        ...(outcome.isError ? { is_error: true } : {}),
      });
    }
    appendUser(transcript, results, true);
  };

  try {
    for (;;) {
      const stop = await run.stopBeforeTurn();
      if (stop) return finish(stop.outcome, stop.reason);
      // Messages for the agent join the user turn; a paused turn is sent back as it is first.
      if (transcript.at(-1)?.role === 'user') {
        const pending = await run.pendingMessages();
        if (pending.length > 0) appendUserText(transcript, pending);
      }

      let message: Message;
      try {
        message = await request();
      } catch (error) {
        const info = classifyModelError(error);
        if (info.kind === 'aborted') {
          if (signal?.aborted) return finish('cancelled', 'cancelled');
          return finish('limit', run.timeLimitReason());
        }
        if (info.kind === 'transient' && brokenReplies < STREAM_RETRIES) {
          brokenReplies += 1;
          hooks.logger?.warn(
            { attempt: brokenReplies, reason: info.message },
            'model reply broke off; retrying',
          );
          await sleep((options.retryDelayMs ?? 1000) * 2 ** (brokenReplies - 1), signal);
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
      run.addUsage(tokensOf(message));

      const stopReason = message.stop_reason;
      if (stopReason === 'refusal') {
        run.turnFinished();
        return finish('refused', refusalReason(message));
      }
      if (stopReason === 'model_context_window_exceeded') {
        // The reply was cut short by the window: drop it, make room, and ask again.
        run.turnFinished();
        if (freeContext('model_context_window_exceeded')) continue;
        return contextExhausted('model_context_window_exceeded');
      }

      const content = message.content;
      run.text(textOf(content));
      if (content.length > 0) appendAssistant(transcript, content);
      const toolUses = content.filter((block): block is ToolUseBlock => block.type === 'tool_use');

      if (stopReason === 'pause_turn') {
        // A long server-side turn paused: sending it back as-is lets the model go on.
        run.turnFinished();
        continue;
      }
      if (stopReason === 'max_tokens') {
        if (toolUses.length > 0) {
          // A tool_use cut off mid-input is answered with an error, so the conversation stays valid.
          await answerToolCalls(toolUses, content.at(-1)?.type === 'tool_use');
        } else {
          run.turnFinished();
          appendUserText(transcript, [CONTINUE_MESSAGE]);
        }
        continue;
      }
      if (toolUses.length > 0) {
        // tool_use (or, defensively, any reply that calls tools): answer every call.
        await answerToolCalls(toolUses, false);
        continue;
      }
      // end_turn, stop_sequence: the model is done.
      run.turnFinished();
      return finish('done');
    }
  } catch (error) {
    return finish('error', `agent loop failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A result's text, and its images as image blocks after it. */
function resultContent(outcome: ToolOutcome): ToolResultBlockParam['content'] {
  const text = outcome.content === '' ? '(no output)' : outcome.content;
  if (!outcome.images?.length) return text;
  return [
    { type: 'text', text },
    ...outcome.images.map((image) => ({
      type: 'image' as const,
      source: { type: 'base64' as const, media_type: image.mediaType, data: image.data },
    })),
  ];
}

function toolCall(byName: ReadonlyMap<string, AgentTool>, block: ToolUseBlock): ToolCall {
  return { name: block.name, tool: byName.get(block.name), input: block.input };
}
