/**
 * The neutral shape of a tool the agent can call: a name, what kind of tool it is, and `run`,
 * which answers a call's input with the text of its result. `run` never throws for anything the
 * model did (bad input, a failing command, a missing file): those are results with
 * `isError: true`, which the model reads and recovers from. How a tool is presented to a model
 * (Anthropic's `bash_20250124`, a JSON-schema function) is the agent backend's business.
 */

export interface ToolOutcome {
  /** The text of the result. */
  content: string;
  /** The call failed; the model is told so. */
  isError: boolean;
  /** Images that come with the text (an MCP tool's screenshot), for a model that reads images. */
  images?: ToolImage[];
}

/** An image in a result: its media type (png, jpeg, gif or webp) and its bytes in base64. */
export interface ToolImage {
  mediaType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  data: string;
}

/** A JSON Schema of an object: the input a function tool takes. */
export interface InputSchema {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [keyword: string]: unknown;
}

/**
 * What kind of tool this is. The shell and the file editor are kinds a backend may offer as its
 * model's own trained tools (their input is Anthropic's published shape for both); a function is
 * described by its description and input schema (MCP tools are functions).
 */
export type ToolSpec =
  | { kind: 'shell' }
  | {
      kind: 'editor';
      /** The most characters `view` shows of a file, when the tool caps it explicitly. */
      maxCharacters?: number;
    }
  | { kind: 'function'; description: string; inputSchema: InputSchema };

export interface AgentTool {
  /** How events, actions and the session log name it: `bash`, `editor`, `mcp__<server>__<tool>`. */
  name: string;
  spec: ToolSpec;
  run(input: unknown): Promise<ToolOutcome>;
}

export function toolError(content: string): ToolOutcome {
  return { content, isError: true };
}

/** One line per problem, naming the field: what the model needs to correct its call. */
export function describeInputIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
