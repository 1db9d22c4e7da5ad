import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolSandbox } from '../../../agent-task/sandbox/sandbox.js';
import { disposeTestSandbox, giveToTools, testSandbox, writeAsTools } from '../../support/sandbox.js';
import { textEditorTool } from '../../../agent-task/tools/text-editor.js';
import type { AgentTool } from '../../../agent-task/tools/tool.js';

const isRoot = process.getuid?.() === 0;

describe('text editor tool in a sandbox', () => {
  let workspace: string;
  let outside: string;
  let sandbox: ToolSandbox;
  let editor: AgentTool;

  /** Write a fixture as the tool user would own it. */
  const fixture = (path: string, content: string | Buffer) => writeAsTools(sandbox, path, content);

  beforeAll(async () => {
    sandbox = await testSandbox();
    workspace = sandbox.workspace;
    outside = await mkdtemp(join(tmpdir(), 'nightshift-outside-'));
    await chmod(outside, 0o777); // even a writable outside directory must be refused
    await writeFile(join(outside, 'secret.txt'), 'outside secret\n');
    await chmod(join(outside, 'secret.txt'), 0o666);
    await mkdir(join(workspace, 'src', 'deep', 'deeper'), { recursive: true });
    await mkdir(join(workspace, 'node_modules', 'pkg'), { recursive: true });
    await mkdir(join(workspace, '.git'));
    await writeFile(join(workspace, '.hidden'), 'x');
    await writeFile(join(workspace, 'src', 'deep', 'deeper', 'too-deep.ts'), 'x');
    await writeFile(join(workspace, 'README.md'), '# readme\n');
    await symlink(join(outside, 'secret.txt'), join(workspace, 'link-to-secret'));
    await symlink(outside, join(workspace, 'link-to-outside-dir'));
    await symlink(join(outside, 'not-yet.txt'), join(workspace, 'dangling-outside'));
    await symlink('README.md', join(workspace, 'link-inside'));
    await giveToTools(sandbox);
    editor = textEditorTool(sandbox);
  });

  afterAll(async () => {
    await disposeTestSandbox(sandbox);
    await rm(outside, { recursive: true, force: true });
  });

  describe('view', () => {
    beforeEach(async () => {
      await fixture('src/lines.ts', Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    });

    it('shows a file with cat -n line numbers', async () => {
      const out = await editor.run({ command: 'view', path: 'src/lines.ts' });
      expect(out.isError).toBe(false);
      const lines = out.content.split('\n');
      expect(lines[0]).toBe("Here's the result of running `cat -n` on src/lines.ts:");
      expect(lines[1]).toBe('     1\tline 1');
      expect(lines[12]).toBe('    12\tline 12');
      expect(lines).toHaveLength(13);
    });

    it('honours view_range, with -1 meaning the end', async () => {
      const out = await editor.run({ command: 'view', path: 'src/lines.ts', view_range: [3, 5] });
      expect(out.content.split('\n').slice(1)).toEqual([
        '     3\tline 3',
        '     4\tline 4',
        '     5\tline 5',
      ]);
      const tail = await editor.run({
        command: 'view',
        path: `${sandbox.workspace}/src/lines.ts`,
        view_range: [11, -1],
      });
      expect(tail.content.split('\n').slice(1)).toEqual(['    11\tline 11', '    12\tline 12']);
    });

    it('refuses an invalid view_range', async () => {
      const out = await editor.run({ command: 'view', path: 'src/lines.ts', view_range: [20, 30] });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('[1, 12]');
      expect((await editor.run({ command: 'view', path: 'src/lines.ts', view_range: [5, 2] })).isError).toBe(
        true,
      );
    });

    it('cuts a long file at max_characters with a note', async () => {
      const small = textEditorTool(sandbox, { maxCharacters: 60 });
      expect([small.name, small.spec]).toEqual(['editor', { kind: 'editor', maxCharacters: 60 }]);
      const out = await small.run({ command: 'view', path: 'src/lines.ts' });
      expect(out.content).toContain('     1\tline 1');
      expect(out.content).not.toContain('line 12');
      expect(out.content).toMatch(/showing lines 1–\d of 12; use view_range/);
    });

    it('lists a directory two levels deep without hidden items or node_modules', async () => {
      const out = await editor.run({ command: 'view', path: '.' });
      expect(out.isError).toBe(false);
      const listing = out.content.split('\n').slice(1);
      expect(listing).toContain('README.md');
      expect(listing).toContain('src/');
      expect(listing).toContain('src/deep/');
      expect(listing).toContain('src/lines.ts');
      expect(listing.join('\n')).not.toMatch(/too-deep|node_modules|\.git|\.hidden/);
    });

    it('refuses a binary file, giving its size and type', async () => {
      const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(2000)]);
      await fixture('image.png', png);
      const out = await editor.run({ command: 'view', path: 'image.png' });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('binary file');
      expect(out.content).toContain('2,016 bytes');
      expect(out.content).toContain('PNG image');
    });

    it('refuses a file over the size limit', async () => {
      await fixture('big.txt', 'y\n'.repeat(2_000));
      const out = await textEditorTool(sandbox, { maxFileBytes: 1_000 }).run({
        command: 'view',
        path: 'big.txt',
      });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('4,000 bytes');
    });

    it('reports a missing file', async () => {
      const out = await editor.run({ command: 'view', path: 'nope.ts' });
      expect(out).toMatchObject({ isError: true, content: expect.stringContaining('does not exist') });
    });

    it('follows a symlink that stays inside the workspace', async () => {
      const out = await editor.run({ command: 'view', path: 'link-inside' });
      expect(out.content).toContain('# readme');
    });
  });

  describe('confinement', () => {
    it.each([
      ['../x', 'view'],
      ['/etc/passwd', 'view'],
      ['/etc/passwd', 'create'],
    ])('refuses %s (%s) as outside the workspace', async (path, command) => {
      const out = await editor.run({ command, path, file_text: 'pwned' });
      expect(out.isError).toBe(true);
      expect(out.content).toContain(`The path ${path} is outside the workspace ${sandbox.workspace}`);
    });

    it('refuses an absolute path outside the workspace', async () => {
      const out = await editor.run({ command: 'view', path: join(outside, 'secret.txt') });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('outside the workspace');
      expect(out.content).not.toContain('outside secret');
    });

    it('refuses a symlink in the workspace that points outside', async () => {
      const out = await editor.run({ command: 'view', path: 'link-to-secret' });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('symbolic link');
      expect(out.content).not.toContain('outside secret');
      const edit = await editor.run({
        command: 'str_replace',
        path: 'link-to-secret',
        old_str: 'outside',
        new_str: 'x',
      });
      expect(edit.isError).toBe(true);
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('outside secret\n');
    });

    it('refuses to create through a symlinked directory or a dangling symlink pointing outside', async () => {
      const viaDir = await editor.run({
        command: 'create',
        path: 'link-to-outside-dir/new.txt',
        file_text: 'x',
      });
      expect(viaDir.isError).toBe(true);
      expect(viaDir.content).toContain('outside the workspace');
      const deep = await editor.run({
        command: 'create',
        path: 'link-to-outside-dir/a/b/new.txt',
        file_text: 'x',
      });
      expect(deep.isError).toBe(true);
      const dangling = await editor.run({ command: 'create', path: 'dangling-outside', file_text: 'x' });
      expect(dangling.isError).toBe(true);
      await expect(stat(join(outside, 'new.txt'))).rejects.toThrow();
      await expect(stat(join(outside, 'a'))).rejects.toThrow();
      await expect(stat(join(outside, 'not-yet.txt'))).rejects.toThrow();
    });
  });

  it.runIf(isRoot)(
    'does its I/O as the tool user: a root-only file in the workspace is unreadable',
    async () => {
      const full = join(sandbox.workspace, 'root-only.txt');
      await writeFile(full, 'root secret\n', { mode: 0o600 });
      const out = await editor.run({ command: 'view', path: 'root-only.txt' });
      expect(out).toEqual({ content: 'Permission denied: root-only.txt.', isError: true });
      const overwrite = await editor.run({ command: 'create', path: 'root-only.txt', file_text: 'x' });
      expect(overwrite.isError).toBe(true);
      expect(await readFile(full, 'utf8')).toBe('root secret\n');
    },
  );

  describe('create', () => {
    it('creates a file and its parent directories, owned by the tool user', async () => {
      const out = await editor.run({
        command: 'create',
        path: 'new/dir/file.ts',
        file_text: 'export const a = 1;\n',
      });
      expect(out).toEqual({ content: 'File created successfully at: new/dir/file.ts', isError: false });
      const full = join(sandbox.workspace, 'new/dir/file.ts');
      expect(await readFile(full, 'utf8')).toBe('export const a = 1;\n');
      if (isRoot) {
        const owner = await stat(full);
        expect(owner.uid).toBe(sandbox.uid);
        expect(owner.uid).not.toBe(0);
        expect((await stat(join(sandbox.workspace, 'new/dir'))).uid).toBe(sandbox.uid);
      }
    });

    it('overwrites an existing file, as Anthropic documents', async () => {
      await fixture('over.txt', 'old\n');
      const out = await editor.run({ command: 'create', path: 'over.txt', file_text: 'new\n' });
      expect(out).toEqual({ content: 'File over.txt has been overwritten.', isError: false });
      expect(await readFile(join(sandbox.workspace, 'over.txt'), 'utf8')).toBe('new\n');
    });
  });

  describe('str_replace', () => {
    it('replaces exactly one match and shows the edited region', async () => {
      const full = await fixture('edit.ts', 'const a = 1;\nconst b = 2;\nconst c = 3;\n');
      await chmod(full, 0o755);
      const out = await editor.run({
        command: 'str_replace',
        path: 'edit.ts',
        old_str: 'const b = 2;',
        new_str: 'const b = 20;',
      });
      expect(out.isError).toBe(false);
      expect(out.content).toContain('The file edit.ts has been edited.');
      expect(out.content).toContain('     2\tconst b = 20;');
      expect(await readFile(full, 'utf8')).toBe('const a = 1;\nconst b = 20;\nconst c = 3;\n');
      expect((await stat(full)).mode & 0o777).toBe(0o755);
    });

    it('treats $ in new_str literally', async () => {
      const full = await fixture('dollar.ts', 'x = OLD;\n');
      await editor.run({ command: 'str_replace', path: 'dollar.ts', old_str: 'OLD', new_str: "$&$1$$'" });
      expect(await readFile(full, 'utf8')).toBe("x = $&$1$$';\n");
    });

    it('refuses when old_str does not appear', async () => {
      await fixture('none.ts', 'hello\n');
      const out = await editor.run({
        command: 'str_replace',
        path: 'none.ts',
        old_str: 'absent',
        new_str: 'x',
      });
      expect(out.isError).toBe(true);
      expect(out.content).toContain(
        'No replacement was performed: old_str did not appear verbatim in none.ts',
      );
    });

    it('refuses when old_str appears more than once, naming the lines', async () => {
      const full = await fixture('twice.ts', 'dup\nother\ndup\n');
      const out = await editor.run({
        command: 'str_replace',
        path: 'twice.ts',
        old_str: 'dup',
        new_str: 'x',
      });
      expect(out.isError).toBe(true);
      expect(out.content).toBe(
        'No replacement was performed: old_str appears 2 times in twice.ts (lines 1, 3); include more context to make it unique.',
      );
      expect(await readFile(full, 'utf8')).toBe('dup\nother\ndup\n');
    });

    it('keeps CRLF line endings', async () => {
      const full = await fixture('crlf.txt', 'one\r\ntwo\r\nthree\r\n');
      const out = await editor.run({
        command: 'str_replace',
        path: 'crlf.txt',
        old_str: 'one\ntwo',
        new_str: 'uno\ndos',
      });
      expect(out.isError).toBe(false);
      expect(await readFile(full, 'utf8')).toBe('uno\r\ndos\r\nthree\r\n');
    });
  });

  describe('insert', () => {
    beforeEach(async () => {
      await fixture('ins.txt', 'a\nb\nc\n');
    });

    it('inserts at the top with insert_line 0', async () => {
      const out = await editor.run({
        command: 'insert',
        path: 'ins.txt',
        insert_line: 0,
        insert_text: 'top',
      });
      expect(out.isError).toBe(false);
      expect(out.content).toContain('     1\ttop');
      expect(await readFile(join(sandbox.workspace, 'ins.txt'), 'utf8')).toBe('top\na\nb\nc\n');
    });

    it('inserts after the last line', async () => {
      await editor.run({ command: 'insert', path: 'ins.txt', insert_line: 3, insert_text: 'end1\nend2\n' });
      expect(await readFile(join(sandbox.workspace, 'ins.txt'), 'utf8')).toBe('a\nb\nc\nend1\nend2\n');
    });

    it('inserts after a middle line', async () => {
      await editor.run({ command: 'insert', path: 'ins.txt', insert_line: 1, insert_text: 'mid' });
      expect(await readFile(join(sandbox.workspace, 'ins.txt'), 'utf8')).toBe('a\nmid\nb\nc\n');
    });

    it('inserts at the end of a file without a final newline', async () => {
      const full = await fixture('nofinal.txt', 'a\nb');
      await editor.run({ command: 'insert', path: 'nofinal.txt', insert_line: 2, insert_text: 'c' });
      expect(await readFile(full, 'utf8')).toBe('a\nb\nc');
    });

    it('refuses a line out of range', async () => {
      const out = await editor.run({ command: 'insert', path: 'ins.txt', insert_line: 4, insert_text: 'x' });
      expect(out.isError).toBe(true);
      expect(out.content).toContain('Invalid `insert_line` parameter: 4');
      expect(out.content).toContain('[0, 3]');
      expect(
        (await editor.run({ command: 'insert', path: 'ins.txt', insert_line: -1, insert_text: 'x' })).isError,
      ).toBe(true);
      expect(await readFile(join(sandbox.workspace, 'ins.txt'), 'utf8')).toBe('a\nb\nc\n');
    });
  });

  describe('files that are not UTF-8 text', () => {
    // "café" in Latin-1 (0xe9), and a PNG header with its NUL bytes.
    const latin1 = Buffer.from('const name = "caf\xe9";\n', 'latin1');
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);

    it('refuses str_replace, insert and create on a Latin-1 file and leaves its bytes alone', async () => {
      const full = await fixture('latin1.js', latin1);
      const calls = [
        { command: 'str_replace', path: 'latin1.js', old_str: 'const', new_str: 'let' },
        { command: 'insert', path: 'latin1.js', insert_line: 0, insert_text: '// hi' },
        { command: 'create', path: 'latin1.js', file_text: 'const name = "café";\n' },
      ];
      for (const call of calls) {
        const out = await editor.run(call);
        expect(out.isError, call.command).toBe(true);
        expect(out.content, call.command).toMatch(
          /latin1\.js is not valid UTF-8 text .*left it unchanged.*bash tool/,
        );
        expect(await readFile(full), call.command).toEqual(latin1);
      }
    });

    it('refuses str_replace, insert and create on a PNG and leaves its bytes alone', async () => {
      const full = await fixture('logo.png', png);
      const calls = [
        { command: 'str_replace', path: 'logo.png', old_str: 'PNG', new_str: 'GIF' },
        { command: 'insert', path: 'logo.png', insert_line: 0, insert_text: 'text' },
        { command: 'create', path: 'logo.png', file_text: 'not an image\n' },
      ];
      for (const call of calls) {
        const out = await editor.run(call);
        expect(out.isError, call.command).toBe(true);
        expect(out.content, call.command).toMatch(
          /logo\.png is a binary file \(80 bytes, PNG image\); .*left it unchanged/,
        );
        expect(await readFile(full), call.command).toEqual(png);
      }
    });
  });

  describe('bad input', () => {
    it('answers unknown commands and missing fields as errors', async () => {
      const undo = await editor.run({ command: 'undo_edit', path: 'x' });
      expect(undo.isError).toBe(true);
      expect(undo.content).toContain('undo_edit is not available');
      const missing = await editor.run({ command: 'create', path: 'x.txt' });
      expect(missing).toMatchObject({ isError: true, content: expect.stringContaining('file_text') });
      const noText = await editor.run({ command: 'insert', path: 'x.txt', insert_line: 0 });
      expect(noText).toMatchObject({ isError: true, content: expect.stringContaining('insert_text') });
      expect((await editor.run('view')).isError).toBe(true);
    });
  });
});
