/**
 * Frees context when the conversation outgrows the model's window: the bodies of old tool
 * results are replaced by a marker, keeping the most recent few. Every tool_use stays answered,
 * so the conversation stays valid. Replaces the changed messages in `transcript` (the message
 * objects themselves are not mutated).
 */
import type { MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';

export const CLEARED_MARKER = '[cleared to save context]';

/** Clears all but the newest `keep` tool results; returns how many it cleared. */
export function clearOldToolResults(transcript: MessageParam[], keep: number): number {
  // Positions of the tool results still holding a body, oldest first.
  const positions: Array<[message: number, block: number]> = [];
  transcript.forEach((message, m) => {
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((block, b) => {
      if (block.type === 'tool_result' && !isCleared(block)) positions.push([m, b]);
    });
  });
  const clear = positions.slice(0, Math.max(0, positions.length - keep));
  for (const [m, b] of clear) {
    const message = transcript[m];
    if (message?.role !== 'user' || typeof message.content === 'string') continue;
    const content = message.content.slice();
    const block = content[b] as ToolResultBlockParam;
    content[b] = { ...block, content: CLEARED_MARKER };
    transcript[m] = { ...message, content };
  }
  return clear.length;
}

function isCleared(block: ToolResultBlockParam): boolean {
  return block.content === CLEARED_MARKER;
}
