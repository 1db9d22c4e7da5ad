/**
 * The shape every client-side tool has: the definition sent to the Messages API, and `run`, which
 * answers a `tool_use` block's input with the text of its `tool_result`. `run` never throws for
 * anything the model did (bad input, a failing command, a missing file): those are results with
 * `isError: true`, which the model reads and recovers from, as Anthropic's tool-use docs describe.
 */
import type { ToolUnion } from '@anthropic-ai/sdk/resources/messages';

export interface ToolOutcome {
  /** The text of the tool_result. */
  content: string;
  /** Sent as the tool_result's `is_error`. */
  isError: boolean;
}

export interface ClientTool<Definition extends ToolUnion = ToolUnion> {
  definition: Definition;
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
