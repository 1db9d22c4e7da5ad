/**
 * Reliability of what the agent task is handed: repository files the editor must not rewrite (not
 * UTF-8, binary), and the repository configuration dispatch resolved with the installation's
 * access. The real agent-task program as a child process, the fake GitHub with real git, the
 * scripted model and the store on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALC_FILES, REPO, startHarness, type Harness } from '../support/harness.js';
import { done, editor, toolResultsOf, type RecordedRequest } from '../support/scripted-model/index.js';
import { runIssue } from './support.js';

const FIX = editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });

describe('reliability: what the agent task is handed', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('case 33: str_replace, insert and create on a Latin-1 file and a PNG → a clear error each; neither file is written, the task goes on', async () => {
    // "Café" in Latin-1 (0xe9 is not UTF-8), and a PNG (its NUL bytes mark it binary).
    const latin1 = Buffer.from('# Caf\xe9 du coin\nprix: 3 \xa4\n', 'latin1');
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200)]);
    await h.github.commitFiles(REPO, 'main', { 'docs/menu.txt': latin1, 'logo.png': png }, 'Add assets');

    const results: Array<{ text: string; isError: boolean }> = [];
    const record = (request: RecordedRequest) => {
      const result = toolResultsOf(request)[0];
      results.push({ text: result?.text ?? '', isError: result?.is_error ?? false });
    };
    const steps = [
      editor({ command: 'str_replace', path: 'docs/menu.txt', old_str: 'coin', new_str: 'monde' }),
      editor({ command: 'insert', path: 'docs/menu.txt', insert_line: 0, insert_text: 'Menu' }),
      editor({ command: 'insert', path: 'logo.png', insert_line: 0, insert_text: 'hello' }),
      editor({ command: 'str_replace', path: 'logo.png', old_str: 'PNG', new_str: 'GIF' }),
      editor({ command: 'create', path: 'logo.png', file_text: 'not a picture\n' }),
      FIX,
    ];
    const { task } = await runIssue(h, 'Edit the menu', [
      steps[0]!,
      ...steps.slice(1).map((step) => (request: RecordedRequest) => {
        record(request);
        return step;
      }),
      (request) => {
        record(request);
        return done('Fixed add(); the menu and the logo are not text, so I left them.');
      },
    ]);

    expect(task.status, task.error).toBe('succeeded');
    const [menuReplace, menuInsert, pngInsert, pngReplace, pngCreate, fix] = results;
    for (const refused of [menuReplace, menuInsert]) {
      expect(refused?.isError).toBe(true);
      expect(refused?.text).toMatch(/docs\/menu\.txt is not valid UTF-8 text .*left it unchanged/);
      expect(refused?.text).toMatch(/bash tool/);
    }
    for (const refused of [pngInsert, pngReplace, pngCreate]) {
      expect(refused?.isError).toBe(true);
      expect(refused?.text).toMatch(/logo\.png is a binary file \(216 bytes, PNG image\).*left it unchanged/);
    }
    expect(fix?.isError).toBe(false);

    // What was pushed: the fix, and both files byte for byte as they were.
    const pr = h.github.pullRequest(REPO, task.result?.pullRequestNumber ?? -1);
    expect(pr).toBeDefined();
    const head = pr!.headRef;
    expect(await h.github.readFile(REPO, head, 'math.js')).toContain('a + b');
    expect(await h.github.readFileBytes(REPO, head, 'docs/menu.txt')).toEqual(latin1);
    expect(await h.github.readFileBytes(REPO, head, 'logo.png')).toEqual(png);
    expect(h.model.errors).toEqual([]);
  });

  it("case 37: a nightshift.yml that extends the organisation's `.github` repository → the organisation's settings reach the agent, though its token covers one repository", async () => {
    const orgRule = 'ORG-WIDE RULE 7f3a: never touch files under vendor/.';
    await h.github.addRepo({
      owner: 'acme',
      name: '.github',
      files: { '.github/nightshift.yml': `instructions: "${orgRule}"\nlimits:\n  turns: 9\n` },
    });
    await h.github.commitFiles(
      REPO,
      'main',
      { '.github/nightshift.yml': `_extends: .github\n${CALC_FILES['.github/nightshift.yml']}` },
      'Inherit the organisation settings',
    );
    let systemPrompt = '';
    const { task } = await runIssue(h, 'Use the org settings', [
      (request) => {
        systemPrompt = JSON.stringify(request.body.system);
        return FIX;
      },
      done('Fixed add().'),
    ]);

    expect(task.status, task.error).toBe('succeeded');
    // Dispatch resolved the file with the installation's access and kept the result on the task …
    expect(task.config?.instructions).toBe(orgRule);
    expect(task.config?.test).toBe('node test.js');
    expect(task.config?.limits.turns).toBe(12);
    // … and the agent, whose tokens were each scoped to acme/calc alone, used it.
    expect(systemPrompt).toContain(orgRule);
    const calc = h.github.repo(REPO)!;
    const agentTokens = h.github.tokens().filter((t) => t.repositoryIds !== undefined);
    expect(agentTokens.length).toBeGreaterThan(0);
    expect(agentTokens.every((t) => t.repositoryIds?.length === 1 && t.repositoryIds[0] === calc.id)).toBe(
      true,
    );
    expect(h.model.errors).toEqual([]);
  });
});
