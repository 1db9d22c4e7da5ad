// Scripted Anthropic Messages API on loopback, for tests that run the real `@anthropic-ai/sdk`.
//
//   const model = await startScriptedModel([bash('ls'), done('Fixed it.')]);
//   const client = new Anthropic({ baseURL: model.url, apiKey: 'test-key' }); // or ANTHROPIC_BASE_URL
//   ...
//   expect(model.errors).toEqual([]); await model.close();
//
// Each POST /v1/messages (plain or beta, JSON or SSE with `stream: true`) is validated like the
// real API (400 invalid_request_error otherwise, without consuming a step), recorded in
// `model.requests`, then answered by the next script step: a reply, an error, a socket reset, or a
// function of the request. POST /v1/messages/count_tokens is answered from the same token estimate.
// Usage is approximate: 4 characters per token, with prompt caching modelled in usage.ts.
import { ScriptedModel } from './server.js';
import type { ScriptStep } from './types.js';

export async function startScriptedModel(script: ScriptStep[] = []): Promise<ScriptedModel> {
  const model = new ScriptedModel(script);
  await model.listen();
  return model;
}

export { ScriptedModel, DEFAULT_ERROR_HEADERS } from './server.js';
export {
  text,
  toolUse,
  bash,
  editor,
  done,
  reply,
  BASH_TOOL,
  EDITOR_TOOL,
  type EditorInput,
} from './steps.js';
export { toolResultsOf } from './tool-results.js';
export { CHARS_PER_TOKEN, approxTokens, countTokens } from './usage.js';
export { MAX_CACHE_BREAKPOINTS } from './validate.js';
export type * from './types.js';
