// The loopback HTTP server: routes, recording, and playing back the script one step per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  sendError,
  sendJson,
  sendMessage,
  sendReset,
  sendStreamError,
  errorBody,
  type ApiMessage,
} from './respond.js';
import { done, isError, isReply, isReset, makeId, outContent, stopReasonOf } from './steps.js';
import { toolResultsOf } from './tool-results.js';
import type {
  OnEmpty,
  RecordedRequest,
  ReplyStep,
  ReportedUsage,
  RequestBody,
  ScriptStep,
  ToolResult,
  Totals,
} from './types.js';
import { approxTokens, blockText, countTokens, PromptCache } from './usage.js';
import { checkReplyTools, validateRequest } from './validate.js';

/** Headers sent with scripted errors unless the step overrides them: keeps SDK retries fast. */
export const DEFAULT_ERROR_HEADERS: Record<string, string> = { 'retry-after-ms': '1' };
const SCRIPT_ERROR_HEADERS = { 'x-should-retry': 'false' };
const MAX_DYNAMIC_DEPTH = 10;

export class ScriptedModel {
  /** Base URL for the SDK (`baseURL`) or `ANTHROPIC_BASE_URL`. */
  url = '';
  /** Every `POST /v1/messages`, in arrival order (retries included). */
  readonly requests: RecordedRequest[] = [];
  /** Every `POST /v1/messages/count_tokens`. */
  readonly countTokensRequests: RecordedRequest[] = [];
  /** Usage of each reply, in order. */
  readonly usages: ReportedUsage[] = [];
  /** Script problems (exhausted script, tool_use of a tool not offered, throwing dynamic step): assert it stays empty. */
  readonly errors: Error[] = [];
  /** What happens when the script runs out. */
  onEmpty: OnEmpty = 'error';

  private readonly queue: ScriptStep[];
  private readonly cache = new PromptCache();
  private readonly server: Server;

  constructor(script: ScriptStep[]) {
    this.queue = [...script];
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (req.socket.destroyed) return; // the client went away (or a reset step): nothing to answer
        this.errors.push(error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent)
          sendError(res, 500, `scripted-model: ${String(error)}`, { headers: SCRIPT_ERROR_HEADERS });
        else res.destroy();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  push(...steps: ScriptStep[]): void {
    this.queue.push(...steps);
  }

  /** Steps not yet played. */
  get remaining(): number {
    return this.queue.length;
  }

  totals(): Totals {
    const totals: Totals = {
      replies: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    for (const usage of this.usages) {
      totals.replies += 1;
      totals.input_tokens += usage.input_tokens;
      totals.output_tokens += usage.output_tokens;
      totals.cache_creation_input_tokens += usage.cache_creation_input_tokens;
      totals.cache_read_input_tokens += usage.cache_read_input_tokens;
    }
    return totals;
  }

  /** The tool_result blocks of the most recent request's last message. */
  lastToolResults(): ToolResult[] {
    const last = this.requests.at(-1);
    return last ? toolResultsOf(last) : [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      return sendError(res, 404, `Not found: ${req.method} ${path}`, { type: 'not_found_error' });
    }
    const recorded = await this.record(req, path === '/v1/messages/count_tokens');
    const answer = (status: number, message: string, type?: string) => {
      recorded.status = status;
      sendError(res, status, message, { type });
    };
    if (!recorded.apiKey) {
      return answer(401, 'x-api-key header is required', 'authentication_error');
    }
    if (!recorded.headers['anthropic-version']) return answer(400, 'anthropic-version: header is required');
    let parsed: unknown;
    try {
      parsed = JSON.parse(recorded.rawBody);
    } catch {
      return answer(400, 'There was an error parsing the body of the request: invalid JSON');
    }
    const isCount = path === '/v1/messages/count_tokens';
    const problem = validateRequest(parsed, isCount);
    if (problem) return answer(400, problem);
    if (isCount) {
      recorded.status = 200;
      return sendJson(res, 200, { input_tokens: countTokens(recorded.body) });
    }
    return this.play(req, res, recorded);
  }

  private async record(req: IncomingMessage, isCount: boolean): Promise<RecordedRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body = {} as RequestBody;
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as RequestBody;
    } catch {
      // answered with a 400 below
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const list = isCount ? this.countTokensRequests : this.requests;
    const recorded: RecordedRequest = {
      receivedAt: Date.now(),
      index: list.length,
      method: req.method ?? 'POST',
      url: req.url ?? '',
      headers,
      body,
      rawBody,
      stream: body.stream === true,
      apiKey: headers['x-api-key'] ?? /^Bearer (.+)$/i.exec(headers['authorization'] ?? '')?.[1],
      betas: (headers['anthropic-beta'] ?? '').split(',').flatMap((b) => (b.trim() ? [b.trim()] : [])),
    };
    list.push(recorded);
    return recorded;
  }

  private nextStep(): ScriptStep {
    const step = this.queue.shift();
    if (step !== undefined) return step;
    if (this.onEmpty === 'done') return done();
    if (this.onEmpty !== 'error') return this.onEmpty;
    throw new Error(`script exhausted: no step left for request #${this.requests.length - 1}`);
  }

  private async play(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest): Promise<void> {
    let step: ScriptStep;
    try {
      step = this.nextStep();
      for (let depth = 0; typeof step === 'function'; depth++) {
        if (depth >= MAX_DYNAMIC_DEPTH) throw new Error('dynamic steps nest too deep');
        step = await step(recorded);
      }
      if (isReply(step)) {
        const problem = checkReplyTools(step, recorded.body);
        if (problem) throw new Error(problem);
      }
    } catch (error) {
      return this.scriptError(res, recorded, error);
    }

    if (isReset(step)) {
      const afterEvents = recorded.stream ? (step.afterEvents ?? 2) : 0;
      return sendReset(
        req,
        res,
        afterEvents > 0 ? this.message(recorded, cutOff, false) : undefined,
        afterEvents,
      );
    }
    if (isError(step)) {
      recorded.status = step.error;
      if (step.inStream && recorded.stream) {
        recorded.status = 200;
        const body = errorBody(step.error, step.type, step.message);
        return sendStreamError(res, this.message(recorded, cutOff, false), body);
      }
      return sendError(res, step.error, step.message, {
        type: step.type,
        headers: { ...DEFAULT_ERROR_HEADERS, ...step.headers },
      });
    }
    if (!isReply(step))
      return this.scriptError(res, recorded, new Error(`not a script step: ${String(step)}`));
    const message = this.message(recorded, step);
    recorded.status = 200;
    recorded.usage = message.usage;
    this.usages.push(message.usage);
    await sendMessage(res, message, recorded.stream);
    recorded.answeredAt = Date.now();
  }

  private scriptError(res: ServerResponse, recorded: RecordedRequest, error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    err.message = `scripted-model: ${err.message}`;
    this.errors.push(err);
    recorded.status = 500;
    sendError(res, 500, err.message, { type: 'api_error', headers: SCRIPT_ERROR_HEADERS });
  }

  /** The reply to a request; `remember` false leaves the prompt cache as it was (broken-off replies). */
  private message(recorded: RecordedRequest, step: ReplyStep, remember = true): ApiMessage {
    const content = outContent(step);
    const input = this.cache.account(recorded.body, remember);
    const output = approxTokens(content.map((b) => blockText(b)).join('').length);
    const usage: ReportedUsage = { ...input, output_tokens: Math.max(1, output), ...step.usage };
    return {
      id: makeId('msg'),
      type: 'message',
      role: 'assistant',
      model: recorded.body.model,
      content,
      stop_reason: stopReasonOf(step),
      stop_sequence: step.stop_sequence ?? null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage,
    };
  }
}

/** The message a reset or an in-stream error starts before breaking off. */
const cutOff: ReplyStep = { content: [{ type: 'text', text: 'This reply is cut off before it ends.' }] };
