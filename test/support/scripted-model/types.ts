// Shared types of the scripted Anthropic Messages API stand-in.

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'
  | 'stop_sequence';

/** A block the scripted model answers with. A tool_use without id gets a generated `toolu_...` id. */
export type ReplyBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: unknown; id?: string };

/** The four counters the API reports (the totals the app prices). */
export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Usage as reported in a reply (same shape as the SDK's `Usage`). */
export interface ReportedUsage extends TokenCounts {
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  server_tool_use: null;
  service_tier: 'standard';
  inference_geo: null;
  output_tokens_details: null;
  speed: null;
}

/** A model turn. stop_reason defaults to tool_use if content has a tool_use, else end_turn. */
export interface ReplyStep {
  content: ReplyBlock[];
  stop_reason?: StopReason;
  stop_sequence?: string | null;
  /** Overrides of the computed counters. */
  usage?: Partial<TokenCounts>;
}

/**
 * An HTTP error in Anthropic's error shape. `headers` are merged over the defaults
 * (`retry-after-ms: 1`, so SDK retries are fast); a null value removes a header.
 * `inStream`: for a streaming request, answer 200, send message_start, then an SSE `error` event
 * (as the API does when it overloads mid-stream).
 */
export interface ErrorStep {
  error: number;
  type?: string;
  message?: string;
  headers?: Record<string, string | null>;
  inStream?: boolean;
}

/**
 * Destroy the socket. Non-streaming: before any byte is sent (the SDK sees a connection error
 * and may retry). Streaming: after `afterEvents` SSE events (default 2; 0 = before the headers,
 * which the SDK can retry; later the SDK throws while reading the stream and does not retry).
 */
export interface ResetStep {
  reset: true;
  afterEvents?: number;
}

/** A reply computed from the request, e.g. from its last tool_result. */
export type DynamicStep = (request: RecordedRequest) => ScriptStep | Promise<ScriptStep>;

export type ScriptStep = ReplyStep | ErrorStep | ResetStep | DynamicStep;

/** What happens when the script is empty: 'error' (default: 500 "script exhausted"), 'done' (end_turn "done"), or a step. */
export type OnEmpty = 'error' | 'done' | ScriptStep;

export interface CacheControl {
  type: string;
  ttl?: string;
}

/** A content block as sent by the client (loosely typed: the server validates it). */
export interface InBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | InBlock[];
  is_error?: boolean;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

export interface InMessage {
  role: string;
  content: string | InBlock[];
}

export interface InTool {
  name?: string;
  type?: string;
  description?: string;
  input_schema?: unknown;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

/** A request body as sent (if the request was refused with a 400, it may not match this type). */
export interface RequestBody {
  model: string;
  max_tokens: number;
  messages: InMessage[];
  system?: string | InBlock[];
  tools?: InTool[];
  tool_choice?: { type: string; name?: string };
  stream?: boolean;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

export interface RecordedRequest {
  /** 0-based position in `model.requests`. */
  index: number;
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: RequestBody;
  rawBody: string;
  stream: boolean;
  /**
   * The key the client sent, from `x-api-key` or `authorization: Bearer ...` (SDK 1.x sends the
   * latter for `apiKey`). Undefined if neither was sent (answered 401).
   */
  apiKey: string | undefined;
  /** The `anthropic-beta` header, split (the SDK's beta client sends no other marker). */
  betas: string[];
  /** When the request arrived, and when its answer was fully sent (epoch ms), for timelines. */
  receivedAt: number;
  answeredAt?: number;
  /** Set once answered; undefined for a reset. */
  status?: number;
  /** Usage of the reply, if it was a reply. */
  usage?: ReportedUsage;
}

/** A tool_result block of a request, with its text flattened. */
export interface ToolResult {
  tool_use_id: string;
  /** Name and input of the tool_use it answers (from the previous assistant message). */
  name?: string;
  input?: unknown;
  is_error: boolean;
  text: string;
  content: string | InBlock[] | undefined;
}

export interface Totals extends TokenCounts {
  /** Number of replies (requests answered with a message). */
  replies: number;
}
