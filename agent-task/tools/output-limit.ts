/**
 * Bounded capture of a stream of text: the first part and the last part are kept, the middle is
 * counted and replaced by a note. Memory stays near `maxChars` however much text streams through,
 * so a command printing gigabytes cannot exhaust the process.
 */
import { stripVTControlCharacters } from 'node:util';

export class OutputLimiter {
  private head = '';
  private tailChunks: string[] = [];
  private tailLength = 0;
  private total = 0;
  private lines = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;

  /** `maxChars` is the budget for the text kept; head and tail get half each. */
  constructor(maxChars = 30_000) {
    this.headLimit = Math.floor(maxChars / 2);
    this.tailLimit = maxChars - this.headLimit;
  }

  push(text: string): void {
    if (text === '') return;
    this.total += text.length;
    this.lines += countNewlines(text);
    if (this.head.length < this.headLimit) {
      const room = this.headLimit - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (text === '') return;
    }
    this.tailChunks.push(text);
    this.tailLength += text.length;
    // Trim the ring from the front once it holds twice what we keep: amortised O(1) per character.
    if (this.tailLength > 2 * this.tailLimit) this.compactTail();
  }

  /** Characters seen so far (before any cut). */
  get length(): number {
    return this.total;
  }

  /** Characters held in memory right now: bounded by about twice `maxChars`. */
  get retained(): number {
    return this.head.length + this.tailLength;
  }

  /** The text kept, with a note where the middle was cut. */
  text(): string {
    this.compactTail();
    const tail = this.tailChunks.join('');
    const cut = this.total - this.head.length - tail.length;
    if (cut <= 0) return this.head + tail;
    const cutLines = this.lines - countNewlines(this.head) - countNewlines(tail);
    return `${this.head}\n[... ${formatCount(cut)} characters (${formatCount(cutLines)} lines) cut ...]\n${tail}`;
  }

  private compactTail(): void {
    if (this.tailLength <= this.tailLimit) return;
    const joined = this.tailChunks.join('').slice(-this.tailLimit);
    this.tailChunks = [joined];
    this.tailLength = joined.length;
  }
}

/** Keep the head and tail of `text` within `maxChars`, with the same note as `OutputLimiter`. */
export function limitText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const limiter = new OutputLimiter(maxChars);
  limiter.push(text);
  return limiter.text();
}

/** Remove terminal escape sequences and control characters other than tab, newline and CR. */
export function cleanTerminalText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return stripVTControlCharacters(text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
