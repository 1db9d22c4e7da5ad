// Step builders and the conversion of a reply step into the API's message object.
import { randomBytes } from 'node:crypto';
import type { ErrorStep, ReplyBlock, ReplyStep, ResetStep, ScriptStep, StopReason } from './types.js';

export const BASH_TOOL = 'bash';
export const EDITOR_TOOL = 'str_replace_based_edit_tool';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id like the API's: `toolu_01` + 22 base62 characters. */
export function makeId(prefix: 'toolu' | 'msg' | 'req'): string {
  const bytes = randomBytes(22);
  let tail = '';
  for (const byte of bytes) tail += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_01${tail}`;
}

export function text(t: string): ReplyStep {
  return { content: [{ type: 'text', text: t }] };
}

export function toolUse(name: string, input: unknown, id?: string): ReplyStep {
  return { content: [{ type: 'tool_use', name, input, ...(id === undefined ? {} : { id }) }] };
}

export function bash(command: string): ReplyStep {
  return toolUse(BASH_TOOL, { command });
}

/** Input of Anthropic's text editor tool (`text_editor_20250728`). */
export type EditorInput =
  | { command: 'view'; path: string; view_range?: [number, number] }
  | { command: 'create'; path: string; file_text: string }
  | { command: 'str_replace'; path: string; old_str: string; new_str?: string }
  | { command: 'insert'; path: string; insert_line: number; insert_text: string };

export function editor(input: EditorInput): ReplyStep {
  return toolUse(EDITOR_TOOL, input);
}

/** The final turn: text, stop_reason end_turn. */
export function done(summary = 'done'): ReplyStep {
  return { content: [{ type: 'text', text: summary }], stop_reason: 'end_turn' };
}

/** One turn made of several parts, e.g. `reply(text('Looking.'), bash('ls'), bash('pwd'))`. */
export function reply(...parts: Array<ReplyStep | ReplyBlock>): ReplyStep {
  const content: ReplyBlock[] = [];
  let stop_reason: StopReason | undefined;
  for (const part of parts) {
    if ('content' in part) {
      content.push(...part.content);
      stop_reason = part.stop_reason ?? stop_reason;
    } else content.push(part);
  }
  return stop_reason === undefined ? { content } : { content, stop_reason };
}

export function isReply(step: ScriptStep): step is ReplyStep {
  return typeof step === 'object' && 'content' in step;
}
export function isError(step: ScriptStep): step is ErrorStep {
  return typeof step === 'object' && 'error' in step;
}
export function isReset(step: ScriptStep): step is ResetStep {
  return typeof step === 'object' && 'reset' in step;
}

/** Content blocks as the API returns them. */
export type OutBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

export function outContent(step: ReplyStep): OutBlock[] {
  return step.content.map((block) =>
    block.type === 'text'
      ? { type: 'text', text: block.text, citations: null }
      : {
          type: 'tool_use',
          id: block.id ?? makeId('toolu'),
          name: block.name,
          input: block.input ?? {},
          caller: { type: 'direct' },
        },
  );
}

export function stopReasonOf(step: ReplyStep): StopReason {
  return step.stop_reason ?? (step.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
}
