/**
 * The `/agent …` command in a comment, parsed: the spec of what people may write. Pure.
 */
import { stripHtmlComments, stripInvisible } from './sanitize.js';

export interface AgentCommand {
  /** `say`: `/agent` followed by words that are no command (`/agent also handle empty arrays`). */
  command: 'fix' | 'stop' | 'plan' | 'go' | 'say';
  /** The rest of the command line and every line after it, trimmed. */
  instructions: string;
}

const COMMAND_LINE = /^\s*\/agent[ \t]+(fix|stop|plan|go)(?=$|[\s:])[ \t]*:?(.*)$/i;
const SAY_LINE = /^\s*\/agent[ \t]+(\S.*)$/i;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * The `/agent fix …`, `/agent stop`, `/agent plan …`, `/agent go …` or `/agent <words>` command:
 * on its own line, in any case, with leading whitespace allowed; never inside a fenced code block,
 * a quoted line (`> …`) or an HTML comment. The first command line wins.
 */
export function parseAgentCommand(body: string | null | undefined): AgentCommand | undefined {
  if (!body) return undefined;
  const lines = stripInvisible(stripHtmlComments(body.replace(/\r\n?/g, '\n'))).split('\n');
  let fence: { char: string; length: number } | undefined;
  for (const [index, line] of lines.entries()) {
    const marker = FENCE.exec(line);
    if (fence) {
      const closes =
        marker?.[1]?.[0] === fence.char && marker[1].length >= fence.length && !marker[2]!.trim();
      if (closes) fence = undefined;
      continue;
    }
    const opener = marker?.[1];
    if (opener && !(opener[0] === '`' && marker[2]!.includes('`'))) {
      fence = { char: opener[0]!, length: opener.length };
      continue;
    }
    if (/^\s*>/.test(line)) continue;
    const match = COMMAND_LINE.exec(line);
    const said = match ? undefined : SAY_LINE.exec(line);
    if (!match && !said) continue;
    const command = match ? (match[1]!.toLowerCase() as AgentCommand['command']) : 'say';
    const first = match ? (match[2] ?? '') : said![1]!;
    const instructions = [first, ...lines.slice(index + 1)].join('\n').trim();
    return { command, instructions };
  }
  return undefined;
}
