/**
 * The boundary rule in eslint.config.js, run through ESLint's Node API on sources that exist only
 * in memory: a forbidden import is reported, an allowed one passes.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '../../..') });

async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (path: string) => `import { x } from '${path}';\nexport const y = x;\n`;

describe('lint: boundaries between folders', () => {
  it.each([
    ['core/x.ts', '../functions/app.js', 'core/ must not import functions/'],
    ['core/store/x.ts', '../../agent-task/main.js', 'core/ must not import agent-task/'],
    ['core/x.ts', '../cli/main.js', 'core/ must not import cli/'],
    ['core/x.ts', '../cdk/config.js', 'core/ must not import cdk/'],
    ['agent-task/x.ts', '../functions/probot.js', 'agent-task/ must not import functions/'],
    ['functions/local/x.ts', '../../agent-task/run-task.js', 'functions/ must not import agent-task/'],
    ['functions/x.ts', '../cdk/config.js', 'functions/ must not import cdk/'],
    ['cli/x.ts', '../cdk/config.js', 'cli/ must not import cdk/'],
  ])('%s importing %s is reported', async (file, path, message) => {
    const errors = await boundaryErrors(file, importing(path));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('a type-only import across a boundary is reported too', async () => {
    const source = `import type { X } from '../functions/intake.js';\nexport type Y = X;\n`;
    expect(await boundaryErrors('core/x.ts', source)).toHaveLength(1);
  });

  it.each([
    ['core/x.ts', './triggers.js'],
    ['core/store/x.ts', '../task.js'],
    ['functions/x.ts', '../core/log.js'],
    ['agent-task/x.ts', '../core/log.js'],
    ['cli/x.ts', '../functions/local/local-deps.js'],
    ['cdk/x.ts', '../functions/webhook/handler.js'],
    ['test/unit/x.ts', '../../functions/app.js'],
  ])('%s importing %s passes', async (file, path) => {
    expect(await boundaryErrors(file, importing(path))).toEqual([]);
  });
});
