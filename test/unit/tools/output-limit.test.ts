import { describe, expect, it } from 'vitest';
import { cleanTerminalText, limitText, OutputLimiter } from '../../../agent-task/tools/output-limit.js';

describe('OutputLimiter', () => {
  it('keeps short output whole', () => {
    const limiter = new OutputLimiter(100);
    limiter.push('hello ');
    limiter.push('world');
    expect(limiter.text()).toBe('hello world');
  });

  it('keeps head and tail and counts what was cut', () => {
    const limiter = new OutputLimiter(20);
    const lines = Array.from({ length: 100 }, (_, i) => `line${String(i).padStart(3, '0')}\n`);
    for (const line of lines) limiter.push(line);
    const text = limiter.text();
    const all = lines.join('');
    expect(text.startsWith(all.slice(0, 10))).toBe(true);
    expect(text.endsWith(all.slice(-10))).toBe(true);
    expect(text).toContain(`[... ${(all.length - 20).toLocaleString('en-US')} characters (`);
    expect(text).toMatch(/\(\d+ lines\) cut \.\.\.\]/);
  });

  it('holds bounded memory however much streams through', () => {
    const limiter = new OutputLimiter(1_000);
    const chunk = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 160; i++) limiter.push(chunk); // 10 MB
    expect(limiter.length).toBe(160 * 64 * 1024);
    expect(limiter.retained).toBeLessThanOrEqual(1_000 + chunk.length * 2);
    expect(limiter.text()).toMatch(
      /^z{500}\n\[\.\.\. 10,484,760 characters \(0 lines\) cut \.\.\.\]\nz{500}$/,
    );
  });

  it('limitText is the same cut over a string', () => {
    expect(limitText('abc', 10)).toBe('abc');
    expect(limitText('a'.repeat(10) + 'b'.repeat(10), 4)).toBe(
      'aa\n[... 16 characters (0 lines) cut ...]\nbb',
    );
  });
});

describe('cleanTerminalText', () => {
  it('removes ANSI escapes and control characters but keeps tabs and newlines', () => {
    expect(cleanTerminalText('\u001b[1;31merror\u001b[0m:\tx\u0007\u0000\n')).toBe('error:\tx\n');
    expect(cleanTerminalText('\u001b]0;title\u0007text')).toBe('text');
  });
});
