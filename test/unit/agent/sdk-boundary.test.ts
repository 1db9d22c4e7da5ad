// The agent port holds: the Anthropic SDK is imported only by its adapter and by main.ts, which
// builds the client.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ALLOWED = [/^agent-task\/agent\/anthropic\//, /^agent-task\/main\.ts$/];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('the agent port', () => {
  it('keeps @anthropic-ai/sdk inside agent-task/agent/anthropic/ (and main.ts)', async () => {
    const importers: string[] = [];
    for (const file of await sources(join(ROOT, 'agent-task'))) {
      const text = await readFile(join(ROOT, file), 'utf8');
      if (/from '@anthropic-ai\/sdk[/']/.test(text)) importers.push(file);
    }
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !ALLOWED.some((allowed) => allowed.test(file)))).toEqual([]);
  });
});
