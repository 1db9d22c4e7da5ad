/**
 * One short line per tool call, for the check run's "recent actions" and the logs:
 * "bash: npm test", "view src/a.ts:10-40", "edit src/a.ts", "create docs/x.md".
 * Pure; never throws, whatever the model sent.
 */
const MAX_LENGTH = 100;

export function describeToolCall(name: string, input: unknown, workspace?: string): string {
  const line = describe(name, input);
  return oneLine(workspace ? relativeTo(workspace, line) : line);
}

/**
 * The workspace's own paths as the repository names them: `<workspace>/src/a.ts` is `src/a.ts`,
 * the workspace itself `.` (a temporary folder means nothing to someone reading the check run).
 */
export function relativeTo(workspace: string, line: string): string {
  const root = workspace.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!root) return line;
  return line.replace(new RegExp(`${root}/`, 'g'), '').replace(new RegExp(`${root}(?![\\w.-])`, 'g'), '.');
}

function describe(name: string, input: unknown): string {
  // Neutral tool names (tool.ts): `bash` is the shell, `editor` the file editor.
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const text = (key: string): string | undefined =>
    typeof fields[key] === 'string' ? (fields[key] as string) : undefined;
  if (name === 'bash') {
    if (fields.restart === true) return 'bash: restart';
    const command = text('command');
    return command === undefined ? 'bash: (no command)' : `bash: ${command}`;
  }
  if (name === 'editor') {
    const path = text('path') ?? '(no path)';
    switch (fields.command) {
      case 'view': {
        const range = fields.view_range;
        const suffix =
          Array.isArray(range) && range.length === 2
            ? `:${String(range[0])}-${range[1] === -1 ? 'end' : String(range[1])}`
            : '';
        return `view ${path}${suffix}`;
      }
      case 'create':
        return `create ${path}`;
      case 'str_replace':
        return `edit ${path}`;
      case 'insert':
        return `edit ${path} (insert after line ${String(fields.insert_line)})`;
      default:
        return `editor ${typeof fields.command === 'string' ? fields.command : '?'} ${path}`;
    }
  }
  // An MCP tool (`mcp__<server>__<tool>`): the server, the tool, and its input in short.
  const mcp = /^mcp__([A-Za-z0-9-]+)__(.+)$/.exec(name);
  if (mcp) {
    const args = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    return `${mcp[1]}: ${mcp[2]}${args}`;
  }
  return name;
}

/** First line only, control characters and runs of whitespace collapsed, cut with an ellipsis. */
function oneLine(value: string): string {
  const lines = value.split(/\r?\n/).filter((l) => l.trim() !== '');
  // eslint-disable-next-line no-control-regex
  const first = (lines[0] ?? value).replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  const more = lines.length > 1 ? ' …' : '';
  const line = first + more;
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
}
