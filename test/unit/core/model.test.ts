import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../../core/model.js';

/** Every `claude-sonnet-*` string literal in the installed SDK's Messages type declarations. */
function sdkSonnetModels(): string[] {
  const sdkMain = createRequire(import.meta.url).resolve('@anthropic-ai/sdk');
  const dts = readFileSync(join(dirname(sdkMain), 'resources/messages/messages.d.ts'), 'utf8');
  return [...new Set([...dts.matchAll(/'(claude-sonnet-[a-z0-9-]+)'/g)].map((m) => m[1]!))];
}

/** `claude-sonnet-4-5-20250929` → version [4, 5], snapshot date 20250929 (0 for an alias). */
function parse(id: string): { version: number[]; date: number } {
  const parts = id.replace(/^claude-sonnet-/, '').split('-');
  const date = parts.length > 1 && /^\d{8}$/.test(parts.at(-1)!) ? Number(parts.pop()) : 0;
  return { version: parts.map(Number), date };
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

describe('DEFAULT_MODEL', () => {
  it('is the newest Sonnet the installed SDK lists (an alias, not a dated snapshot)', () => {
    const sonnets = sdkSonnetModels();
    expect(sonnets.length).toBeGreaterThan(0);
    for (const id of sonnets) expect(parse(id).version.every(Number.isInteger), id).toBe(true);
    const newest = sonnets
      .map((id) => ({ id, ...parse(id) }))
      // newest version first; for one version, the undated alias before dated snapshots
      .sort((a, b) => compareVersions(b.version, a.version) || a.date - b.date)[0]!;
    expect(DEFAULT_MODEL).toBe(newest.id);
  });

  it('parses versions the way the check above relies on', () => {
    expect(
      compareVersions(parse('claude-sonnet-5-5').version, parse('claude-sonnet-5').version),
    ).toBeGreaterThan(0);
    expect(
      compareVersions(parse('claude-sonnet-5').version, parse('claude-sonnet-4-6').version),
    ).toBeGreaterThan(0);
    expect(parse('claude-sonnet-4-5-20250929')).toEqual({ version: [4, 5], date: 20250929 });
  });
});
