/**
 * What every backend's loop shares, so that a backend only speaks its API: the limits and the
 * deadline, usage and cost, the actions, the events, the cancel and message checks, and running a
 * tool by the rules of the port (a tool that throws or is unknown is a tool error, never a crash).
 * One `AgentRun` per `Agent.run` call; a resumed run starts from the previous usage and actions.
 */
import { EMPTY_USAGE, type Usage } from '../../core/task.js';
import { describeToolCall } from '../tools/describe-tool-call.js';
import { personMessage } from './prompt.js';
import type {
  AgentBrief,
  AgentMessage,
  AgentConversation,
  AgentEvent,
  AgentHooks,
  AgentOutcome,
  AgentResult,
  AgentTool,
  ToolOutcome,
} from './port.js';

/** Actions shown with each finished turn. */
export const RECENT_ACTIONS = 5;

/** Token counts of one model reply. */
export interface TurnTokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** A call the model made: the tool it named (if there is one), and its input. */
export interface ToolCall {
  /** The name the model used. */
  name: string;
  tool: AgentTool | undefined;
  input: unknown;
}

export class AgentRun {
  readonly usage: Usage;
  readonly actions: string[];
  /** The model's most recent text. */
  summary = '';
  readonly deadline: number;
  readonly now: () => number;

  /** `toolNames`: the names the model knows the tools by, for the answer to an unknown one. */
  constructor(
    private readonly brief: AgentBrief,
    private readonly hooks: AgentHooks,
    private readonly toolNames: readonly string[] = brief.tools.map((t) => t.name),
  ) {
    this.now = hooks.now ?? Date.now;
    this.deadline = brief.deadline ?? this.now() + brief.limits.minutes * 60_000;
    const previous = brief.resume;
    this.usage = { ...(previous?.usage ?? EMPTY_USAGE) };
    this.actions = previous ? previous.actions.slice() : [];
  }

  /** The first message, or what to enterPhase when the caller gave none. */
  get firstMessage(): string {
    return this.brief.firstMessage.trim() || (this.brief.resume ? 'Continue.' : 'Start the task.');
  }

  /** The turn the next request answers. */
  get nextTurn(): number {
    return this.usage.turns + 1;
  }

  result(outcome: AgentOutcome, reason: string | undefined, conversation: AgentConversation): AgentResult {
    return {
      outcome,
      ...(reason === undefined ? {} : { reason }),
      summary: this.summary,
      usage: { ...this.usage },
      actions: this.actions,
      conversation,
    };
  }

  timeLimitReason(): string {
    return `time limit (${this.brief.limits.minutes} minutes) reached`;
  }

  /** Why to stop before the next request, if anything says so. */
  async stopBeforeTurn(): Promise<{ outcome: AgentOutcome; reason: string } | undefined> {
    const { limits } = this.brief;
    if (this.hooks.signal?.aborted) return { outcome: 'cancelled', reason: 'cancelled' };
    if (await this.cancelRequested()) return { outcome: 'cancelled', reason: 'cancelled' };
    if (this.usage.turns >= limits.turns) {
      return { outcome: 'limit', reason: `turn limit (${limits.turns}) reached` };
    }
    if (this.usage.costUsd !== null && this.usage.costUsd >= limits.costUsd) {
      return { outcome: 'limit', reason: `cost limit ($${limits.costUsd.toFixed(2)}) reached` };
    }
    if (this.now() >= this.deadline) return { outcome: 'limit', reason: this.timeLimitReason() };
    return undefined;
  }

  /**
   * Messages for the agent that arrived since the last turn, each reported as added and framed
   * as untrusted words of its author, as the user text the backend sends.
   */
  async pendingMessages(): Promise<string[]> {
    if (!this.hooks.pendingMessages) return [];
    let messages: AgentMessage[];
    try {
      messages = (await this.hooks.pendingMessages()).filter((message) => message.text.trim() !== '');
    } catch (error) {
      this.hooks.logger?.warn({ err: error }, 'pending message check failed; asking again next turn');
      return [];
    }
    for (const { author, text } of messages) {
      this.emit({ type: 'message-added', turn: this.nextTurn, author, text });
    }
    return messages.map((message) => personMessage(message.author, message.text));
  }

  turnStarted(): void {
    this.emit({ type: 'turn-started', turn: this.nextTurn });
  }

  /** Counts a reply: its tokens, the turn, the cost so far. */
  addUsage(tokens: TurnTokens): void {
    const { usage } = this;
    usage.inputTokens += tokens.inputTokens;
    usage.outputTokens += tokens.outputTokens;
    usage.cacheReadTokens += tokens.cacheReadTokens;
    usage.cacheWriteTokens += tokens.cacheWriteTokens;
    usage.turns += 1;
    usage.costUsd = this.hooks.estimateCost(usage);
  }

  /** The reply's text, when it has some: the summary so far. */
  text(text: string): void {
    if (!text) return;
    this.summary = text;
    this.emit({ type: 'text', turn: this.usage.turns, text });
  }

  /** The calls that will run this turn become actions; then the turn is reported finished. */
  turnFinished(calls: readonly ToolCall[] = []): void {
    for (const call of calls) this.actions.push(this.describe(call));
    this.emit({
      type: 'turn-finished',
      turn: this.usage.turns,
      usage: { ...this.usage },
      recentActions: this.actions.slice(-RECENT_ACTIONS),
    });
  }

  /** Runs one call (or answers it with `refused` without running it) and reports it. */
  async runTool(call: ToolCall, refused?: ToolOutcome): Promise<ToolOutcome> {
    const started = this.now();
    const result = refused ?? (await this.execute(call));
    this.emit({
      type: 'tool-call',
      turn: this.usage.turns,
      name: call.tool?.name ?? call.name,
      input: call.input,
      action: this.describe(call),
      result,
      durationMs: this.now() - started,
    });
    return result;
  }

  private async execute({ name, tool, input }: ToolCall): Promise<ToolOutcome> {
    if (!tool) {
      const names = this.toolNames.join(', ') || 'none';
      return { content: `Unknown tool "${name}". The tools are: ${names}.`, isError: true };
    }
    try {
      return await tool.run(input);
    } catch (error) {
      return {
        content: `The tool failed: ${error instanceof Error ? error.message : String(error)}`,
        isError: true,
      };
    }
  }

  private describe(call: ToolCall): string {
    return describeToolCall(call.tool?.name ?? call.name, call.input, this.brief.workspace);
  }

  /** A failing cancel check (the store unreachable for a moment) must not end the run. */
  private async cancelRequested(): Promise<boolean> {
    try {
      return await this.hooks.shouldCancel();
    } catch (error) {
      this.hooks.logger?.warn({ err: error }, 'cancel check failed; going on');
      return false;
    }
  }

  private emit(event: AgentEvent): void {
    if (!this.hooks.onEvent) return;
    try {
      this.hooks.onEvent(event);
    } catch (error) {
      this.hooks.logger?.warn({ err: error, event: event.type }, 'onEvent threw');
    }
  }
}
