/**
 * The agent port: what the task asks of a coding agent, in our own terms. A brief goes in (the
 * system prompt's parts, the first message, the tools, the limits, the deadline, the model),
 * events come out while it works (turns with their usage, the model's text, each tool call with
 * its result, a message added mid-task), and a result ends it, holding an opaque conversation
 * that the same backend can take up again. No model SDK's types cross this line: a backend
 * (`anthropic/`) maps all of this to its API; README.md says how another one plugs in.
 */
import type { BaseLogger } from 'pino';
import type { TokenUsage } from '../../core/pricing.js';
import type { Usage } from '../../core/task.js';
import type { AgentTool, ToolOutcome } from '../tools/tool.js';

export type { AgentTool, ToolOutcome, ToolSpec } from '../tools/tool.js';

export type AgentOutcome = 'done' | 'limit' | 'cancelled' | 'refused' | 'error';

export interface AgentLimits {
  /** Model requests, counted over the whole conversation (a resumed one included). */
  turns: number;
  /** Estimated USD, over the whole conversation; stops once reached (unknown cost never stops). */
  costUsd: number;
  /** Wall clock of this run, unless the brief's `deadline` sets the end for the whole task. */
  minutes: number;
}

/**
 * A conversation as the backend that held it keeps it. Callers hand it back untouched in
 * `AgentBrief.resume`; only the backend named here reads inside (it is plain JSON).
 */
export interface AgentConversation {
  readonly backend: string;
}

/** What a finished run hands to the next one that continues it. */
export type AgentResume = Pick<AgentResult, 'conversation' | 'usage' | 'actions'>;

export interface AgentBrief {
  model: string;
  /** The system prompt, most stable part first (a backend may cache the prefix up to the last). */
  system: readonly string[];
  /** The user message that starts the conversation, or continues `resume`. */
  firstMessage: string;
  tools: readonly AgentTool[];
  limits: AgentLimits;
  /** When time runs out (ms since the epoch), shared by every run of one task. */
  deadline?: number;
  /** An earlier run to continue: its conversation, usage and actions carry on. */
  resume?: AgentResume;
  /** The tools' working folder: actions name the paths in it relative to it. */
  workspace?: string;
}

/** What the caller is told while the agent works, in order. */
export type AgentEvent =
  /** A model request goes out (again, with the same `turn`, when a broken reply is retried). */
  | { type: 'turn-started'; turn: number }
  /** The model's text in the reply of `turn`. */
  | { type: 'text'; turn: number; text: string }
  /** The model answered: usage so far, and the last few actions (the calls of this turn included). */
  | { type: 'turn-finished'; turn: number; usage: Usage; recentActions: string[] }
  /** A tool call of `turn`, answered: its neutral tool name, input, one-line action, and result. */
  | {
      type: 'tool-call';
      turn: number;
      name: string;
      input: unknown;
      action: string;
      result: ToolOutcome;
      durationMs: number;
    }
  /** A message from `pendingMessages` joined the conversation before the request of `turn`. */
  | { type: 'message-added'; turn: number; author: string; text: string };

/** A person's words for the agent while it works; untrusted, like every comment. */
export interface AgentMessage {
  /** The GitHub login of who wrote it. */
  author: string;
  text: string;
}

export interface AgentHooks {
  /** Cost of the cumulative usage; null when the model's price is unknown. */
  estimateCost: (usage: TokenUsage) => number | null;
  /** Checked between turns; a check that throws counts as "no". */
  shouldCancel: () => Promise<boolean>;
  /**
   * Asked between turns for anything new for the agent (a person's message mid-task); each one
   * joins the conversation as user text before the next request, framed as untrusted data that
   * names its author (prompt.ts `personMessage`). A check that throws is skipped.
   */
  pendingMessages?: () => Promise<AgentMessage[]>;
  /** Told of every event, synchronously; a listener that throws is logged and ignored. */
  onEvent?: (event: AgentEvent) => void;
  /** Aborting cancels the model request in flight; the outcome is 'cancelled'. */
  signal?: AbortSignal;
  now?: () => number;
  logger?: Pick<BaseLogger, 'info' | 'warn'>;
}

export interface AgentResult {
  outcome: AgentOutcome;
  /** Why it stopped, when not 'done': "turn limit (60) reached", the API's error, the refusal. */
  reason?: string;
  /** The model's final text (its most recent text, if it did not finish). */
  summary: string;
  usage: Usage;
  /** One line per tool call that ran, in order, over the whole conversation. */
  actions: string[];
  /** A valid conversation whatever the outcome, so that it can be resumed. */
  conversation: AgentConversation;
}

/** A coding agent backend. `run` never throws: every way out is an `AgentResult`. */
export interface Agent {
  run(brief: AgentBrief, hooks: AgentHooks): Promise<AgentResult>;
}
