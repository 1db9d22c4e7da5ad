/**
 * The file editor (`editor`, of kind `editor`), with the input of Anthropic's text editor tool
 * (`text_editor_20250728`, which the model knows as `str_replace_based_edit_tool`; the Anthropic
 * backend maps it there): `view`, `create`, `str_replace` and `insert` (this version has no
 * `undo_edit`). Results follow
 * Anthropic's documentation and reference implementation: `view` shows `cat -n`-style numbered
 * lines, an edit answers with a numbered snippet of the edited region, and every problem is a
 * tool result with `is_error: true` that says how to fix the call.
 *
 * All file I/O happens in a helper process running as the tool user (fs-helper.ts explains why
 * that, and not path checks in this process, is what makes symlink races harmless). This module
 * holds the editing logic, which is pure string work.
 */
import { z } from 'zod';
import { binaryMessage, notUtf8Message, refusal, tooLargeMessage } from './editor-messages.js';
import { runFsHelper } from './fs-helper.js';
import { formatCount } from './output-limit.js';
import type { ToolSandbox } from '../sandbox/sandbox.js';
import { describeInputIssues, toolError, type AgentTool, type ToolOutcome, type ToolSpec } from './tool.js';

export interface TextEditorOptions {
  /** Declared in the tool's spec (the definition's `max_characters`) and applied to `view` of a file. When unset,
   * `view` still cuts at `defaultViewChars` so one file cannot fill the context window. */
  maxCharacters?: number;
  /** Default 100,000 characters. */
  defaultViewChars?: number;
  /** Files larger than this are refused by every command; default 10 MB. */
  maxFileBytes?: number;
  /** Entries listed by `view` of a directory; default 1,000. */
  maxDirectoryEntries?: number;
  /** Plan mode: `view` only; every write is refused before it reaches the workspace. */
  readOnly?: boolean;
}

export const READ_ONLY_REFUSAL =
  'This task only plans: the editor is read-only and nothing you change is kept. Describe the change in your plan instead.';

/** The name the model was trained to call this tool by; its error messages use it. */
const NAME = 'str_replace_based_edit_tool';
const COMMANDS = ['view', 'create', 'str_replace', 'insert'] as const;
const SNIPPET_CONTEXT = 4;

const ViewInput = z.object({
  command: z.literal('view'),
  path: z.string().min(1),
  view_range: z.tuple([z.number().int(), z.number().int()]).optional(),
});
const CreateInput = z.object({
  command: z.literal('create'),
  path: z.string().min(1),
  file_text: z.string(),
});
const StrReplaceInput = z.object({
  command: z.literal('str_replace'),
  path: z.string().min(1),
  old_str: z.string().min(1, 'old_str must not be empty'),
  new_str: z.string().optional(),
});
const InsertInput = z
  .object({
    command: z.literal('insert'),
    path: z.string().min(1),
    insert_line: z.number().int(),
    insert_text: z.string().optional(),
    /** The name earlier tool versions used; accepted so a model trained on them is not refused. */
    new_str: z.string().optional(),
  })
  .refine((v) => v.insert_text !== undefined || v.new_str !== undefined, {
    message: 'insert_text is required',
    path: ['insert_text'],
  });
const EditorInput = z.union([ViewInput, CreateInput, StrReplaceInput, InsertInput]);

export function textEditorTool(sandbox: ToolSandbox, options: TextEditorOptions = {}): AgentTool {
  const viewChars = options.maxCharacters ?? options.defaultViewChars ?? 100_000;
  const maxBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
  const maxEntries = options.maxDirectoryEntries ?? 1_000;
  const spec: ToolSpec =
    options.maxCharacters === undefined
      ? { kind: 'editor' }
      : { kind: 'editor', maxCharacters: options.maxCharacters };

  const read = (path: string) => runFsHelper(sandbox, { op: 'read', path, maxBytes, maxEntries });
  // Every write is `textOnly`: the helper refuses, on the descriptor it would write through, a
  // file that is binary or not UTF-8 by then, so such a file is never overwritten by the editor.
  const write = (path: string, content: string, create: boolean) =>
    runFsHelper(sandbox, { op: 'write', path, content, create, textOnly: true });

  /**
   * Read a UTF-8 text file for editing, or the error that says why not. A discriminated answer:
   * an error result has `content` too, and must never be taken for the file's text.
   */
  async function readText(
    path: string,
  ): Promise<{ ok: true; text: string } | { ok: false; error: ToolOutcome }> {
    const res = await read(path);
    const no = (error: ToolOutcome) => ({ ok: false as const, error });
    if (!res.ok) return no(refusal(res, path, sandbox.workspace));
    switch (res.kind) {
      case 'file':
        if (!res.utf8) return no(toolError(notUtf8Message(path)));
        return { ok: true, text: res.content };
      case 'dir':
        return no(toolError(`${path} is a directory; this command needs a file.`));
      case 'binary':
        return no(toolError(binaryMessage(path, res.size, res.magic, 'edit')));
      case 'too-large':
        return no(toolError(tooLargeMessage(path, res.size, maxBytes)));
      default:
        return no(toolError(`Unexpected answer while reading ${path}.`));
    }
  }

  async function view(input: z.infer<typeof ViewInput>): Promise<ToolOutcome> {
    const res = await read(input.path);
    if (!res.ok) return refusal(res, input.path, sandbox.workspace);
    if (res.kind === 'dir') {
      if (input.view_range) {
        return toolError('The `view_range` parameter is not allowed when `path` points to a directory.');
      }
      const listing = res.entries.map((e) => (e.dir ? `${e.path}/` : e.path));
      if (res.truncated)
        listing.push(`[... listing cut at ${formatCount(maxEntries)} entries; view a subdirectory ...]`);
      const body = listing.length ? listing.join('\n') : '(empty directory)';
      return {
        content: `Here are the files and directories up to 2 levels deep in ${input.path}, excluding hidden items and node_modules:\n${body}`,
        isError: false,
      };
    }
    if (res.kind === 'binary') return toolError(binaryMessage(input.path, res.size, res.magic));
    if (res.kind === 'too-large') return toolError(tooLargeMessage(input.path, res.size, maxBytes));
    if (res.kind !== 'file') return toolError(`Unexpected answer while reading ${input.path}.`);

    const lines = splitLines(res.content);
    let first = 1;
    let last = lines.length;
    if (input.view_range) {
      const [start, end] = input.view_range;
      if (start < 1 || start > Math.max(lines.length, 1)) {
        return toolError(
          `Invalid \`view_range\`: [${start}, ${end}]. Its first element \`${start}\` should be within the range of lines of the file: [1, ${lines.length}].`,
        );
      }
      if (end !== -1 && end < start) {
        return toolError(
          `Invalid \`view_range\`: [${start}, ${end}]. Its second element \`${end}\` should be -1 or at least its first element \`${start}\`.`,
        );
      }
      first = start;
      last = end === -1 ? lines.length : Math.min(end, lines.length);
    }
    const shown = numberLines(lines.slice(first - 1, last), first, viewChars);
    let content = `Here's the result of running \`cat -n\` on ${input.path}:\n${shown.text}`;
    if (shown.lastShown < last) {
      content +=
        `\n[... output cut at ${formatCount(viewChars)} characters: showing lines ${first}–${shown.lastShown} of ` +
        `${formatCount(lines.length)}; use view_range to see the rest ...]`;
    }
    return { content, isError: false };
  }

  async function create(input: z.infer<typeof CreateInput>): Promise<ToolOutcome> {
    if (Buffer.byteLength(input.file_text, 'utf8') > maxBytes) {
      return toolError(tooLargeMessage(input.path, Buffer.byteLength(input.file_text, 'utf8'), maxBytes));
    }
    const res = await write(input.path, input.file_text, true);
    if (!res.ok) return refusal(res, input.path, sandbox.workspace);
    if (res.kind !== 'written') return toolError(`Unexpected answer while writing ${input.path}.`);
    return {
      content: res.created
        ? `File created successfully at: ${input.path}`
        : `File ${input.path} has been overwritten.`,
      isError: false,
    };
  }

  async function strReplace(input: z.infer<typeof StrReplaceInput>): Promise<ToolOutcome> {
    const file = await readText(input.path);
    if (!file.ok) return file.error;
    let content = file.text;
    let oldStr = input.old_str;
    let newStr = input.new_str ?? '';
    let found = occurrences(content, oldStr);
    if (found.length === 0 && content.includes('\r\n') && !oldStr.includes('\r')) {
      // The model writes \n; a CRLF file keeps its line endings.
      oldStr = oldStr.replace(/\n/g, '\r\n');
      newStr = newStr.replace(/\r?\n/g, '\r\n');
      found = occurrences(content, oldStr);
    }
    if (found.length === 0) {
      return toolError(
        `No replacement was performed: old_str did not appear verbatim in ${input.path}. ` +
          'It must match exactly, including whitespace and indentation; view the file to check.',
      );
    }
    if (found.length > 1) {
      const lines = found.map((at) => lineOf(content, at));
      return toolError(
        `No replacement was performed: old_str appears ${found.length} times in ${input.path} (lines ${lines.join(', ')}); ` +
          'include more context to make it unique.',
      );
    }
    const at = found[0] ?? 0;
    content = content.slice(0, at) + newStr + content.slice(at + oldStr.length);
    const res = await write(input.path, content, false);
    if (!res.ok) return refusal(res, input.path, sandbox.workspace);
    const startLine = lineOf(content, at);
    const endLine = lineOf(content, at + newStr.length);
    return { content: editedMessage(input.path, content, startLine, endLine, viewChars), isError: false };
  }

  async function insert(input: z.infer<typeof InsertInput>): Promise<ToolOutcome> {
    const file = await readText(input.path);
    if (!file.ok) return file.error;
    const content = file.text;
    const text = input.insert_text ?? input.new_str ?? '';
    const lineCount = splitLines(content).length;
    if (input.insert_line < 0 || input.insert_line > lineCount) {
      return toolError(
        `Invalid \`insert_line\` parameter: ${input.insert_line}. It should be within the range of lines of the file: [0, ${lineCount}].`,
      );
    }
    const eol = content.includes('\r\n') ? '\r\n' : '\n';
    const block = text.endsWith('\n') ? text : text + eol;
    let updated: string;
    if (input.insert_line === lineCount && content !== '' && !content.endsWith('\n')) {
      updated = content + eol + text; // the file has no final newline; neither does the result
    } else {
      const at = offsetAfterLine(content, input.insert_line);
      updated = content.slice(0, at) + block + content.slice(at);
    }
    const res = await write(input.path, updated, false);
    if (!res.ok) return refusal(res, input.path, sandbox.workspace);
    const added = splitLines(block).length;
    return {
      content: editedMessage(
        input.path,
        updated,
        input.insert_line + 1,
        input.insert_line + added,
        viewChars,
      ),
      isError: false,
    };
  }

  return {
    name: 'editor',
    spec,
    async run(input: unknown): Promise<ToolOutcome> {
      const command = (input as { command?: unknown } | null)?.command;
      if (typeof command !== 'string' || !(COMMANDS as readonly string[]).includes(command)) {
        const extra = command === 'undo_edit' ? ' (undo_edit is not available in text_editor_20250728)' : '';
        return toolError(
          `Unrecognized command ${JSON.stringify(command ?? null)}${extra}. The allowed commands for the ${NAME} tool are: ${COMMANDS.join(', ')}.`,
        );
      }
      const parsed = EditorInput.safeParse(input);
      if (!parsed.success) {
        const schema = {
          view: ViewInput,
          create: CreateInput,
          str_replace: StrReplaceInput,
          insert: InsertInput,
        }[command as (typeof COMMANDS)[number]];
        const issues = schema.safeParse(input).error?.issues ?? parsed.error.issues;
        return toolError(`Invalid input for ${command}: ${describeInputIssues(issues)}`);
      }
      if (options.readOnly && parsed.data.command !== 'view') return toolError(READ_ONLY_REFUSAL);
      try {
        const value = parsed.data;
        switch (value.command) {
          case 'view':
            return await view(value);
          case 'create':
            return await create(value);
          case 'str_replace':
            return await strReplace(value);
          case 'insert':
            return await insert(value);
        }
      } catch (error) {
        return toolError(`The editor failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

/** Lines as `cat -n` counts them: a final newline ends the last line, it does not start another. */
function splitLines(content: string): string[] {
  if (content === '') return [];
  const lines = content.split('\n');
  if (content.endsWith('\n')) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** `cat -n` format within a character budget: whole lines, but at least part of the first. */
function numberLines(
  lines: string[],
  firstNumber: number,
  budget: number,
): { text: string; lastShown: number } {
  const out: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const numbered = `${String(firstNumber + i).padStart(6)}\t${line}`;
    if (used + numbered.length + 1 > budget) {
      if (out.length === 0) {
        out.push(`${numbered.slice(0, budget)} [... line cut at ${formatCount(budget)} characters ...]`);
        return { text: out.join('\n'), lastShown: firstNumber };
      }
      return { text: out.join('\n'), lastShown: firstNumber + i - 1 };
    }
    out.push(numbered);
    used += numbered.length + 1;
  }
  return { text: out.join('\n'), lastShown: firstNumber + lines.length - 1 };
}

function editedMessage(
  path: string,
  content: string,
  startLine: number,
  endLine: number,
  budget: number,
): string {
  const lines = splitLines(content);
  const from = Math.max(1, startLine - SNIPPET_CONTEXT);
  const to = Math.min(lines.length, Math.max(endLine, startLine) + SNIPPET_CONTEXT);
  const snippet = numberLines(lines.slice(from - 1, to), from, budget).text;
  return (
    `The file ${path} has been edited. Here's the result of running \`cat -n\` on a snippet of ${path}:\n${snippet}\n` +
    'Review the changes and make sure they are as expected. Edit the file again if necessary.'
  );
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    found.push(at);
  }
  return found;
}

/** 1-based line number of a character offset. */
function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let i = content.indexOf('\n'); i !== -1 && i < offset; i = content.indexOf('\n', i + 1)) line++;
  return line;
}

/** Character offset just after line `n` (0 = start of file). */
function offsetAfterLine(content: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const nl = content.indexOf('\n', at);
    if (nl === -1) return content.length;
    at = nl + 1;
  }
  return at;
}
