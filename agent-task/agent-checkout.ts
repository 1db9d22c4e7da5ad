/**
 * The agent's checkout: a clone of the supervisor's repository (own-repository.ts) made BY THE
 * TOOLS, as their own uid, in their sandbox, without credentials; so the tools own it from the
 * start and nothing needs to be handed over. Every git command here runs as the tools: the
 * checkout's config, hooks and filters are the agent's to play with and can reach no secret.
 *
 * The supervisor reads the agent's result only as data: the tools stage everything and print
 * `git diff --binary` against the commit the agent started from, into a file of the supervisor's
 * own; the supervisor applies it in its own repository.
 */
import { createWriteStream } from 'node:fs';
import type { Author } from './own-repository.js';
import { ResultTooLargeError } from './own-repository.js';
import { runTool, runToolOrThrow } from './sandbox/run-tool.js';
import type { ToolSandbox } from './sandbox/sandbox.js';

/** The largest result accepted from the agent: a patch past this is refused, not pushed. */
const MAX_PATCH_BYTES = 512 * 1024 * 1024;

/** The tools' `~/.gitconfig`: they may read the supervisor's repository (owned by another uid). */
export function toolsGitConfig(ownRepository: string): string {
  return `[safe]\n\tdirectory = ${ownRepository}\n[advice]\n\tdetachedHead = false\n[init]\n\tdefaultBranch = main\n`;
}

export class AgentCheckout {
  private constructor(private readonly sandbox: ToolSandbox) {}

  get dir(): string {
    return this.sandbox.workspace;
  }

  /** Clone `branch` of the supervisor's repository into the sandbox's workspace, as the tools. */
  static async clone(sandbox: ToolSandbox, ownRepository: string, branch: string): Promise<AgentCheckout> {
    await runToolOrThrow(
      'cloning the workspace',
      sandbox,
      [
        'git',
        'clone',
        '--quiet',
        '--no-local',
        '--filter=blob:none',
        '--branch',
        branch,
        '--',
        `file://${ownRepository}`,
        sandbox.workspace,
      ],
      { cwd: sandbox.home },
    );
    return new AgentCheckout(sandbox);
  }

  /**
   * Merge `ref` of the supervisor's repository into the checkout. Returns true when conflicts are
   * left for the agent to resolve.
   */
  async merge(ref: string, author: Author): Promise<boolean> {
    await runToolOrThrow('fetching the base branch', this.sandbox, [
      'git',
      'fetch',
      '--quiet',
      '--no-tags',
      'origin',
      `+${ref}:${ref}`,
    ]);
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    const merged = await runTool(this.sandbox, ['git', 'merge', '--no-edit', '--no-ff', ref], { env });
    if (merged.code === 0) return false;
    const conflicted = await runTool(this.sandbox, ['git', 'diff', '--name-only', '--diff-filter=U']);
    if (conflicted.stdout.trim()) return true;
    throw new Error(
      `merging the base branch failed: ${merged.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }

  /**
   * Everything the agent changed since `base` (staged, untracked included, ignored files not), as
   * a binary-safe patch written to `file` (a new file in the supervisor's own folder). Returns its
   * size in bytes.
   */
  async exportChanges(base: string, file: string): Promise<number> {
    const script =
      'git add -A && git diff --cached --binary --full-index --no-renames --no-ext-diff --no-textconv --no-color "$1" --';
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    const run = await runTool(this.sandbox, ['/bin/sh', '-c', script, 'export', base], {
      stdout: out,
      maxBytes: MAX_PATCH_BYTES,
      timeoutMs: 10 * 60_000,
    });
    if (run.overflow) {
      throw new ResultTooLargeError(
        `the agent's changes are larger than ${MAX_PATCH_BYTES / 1024 ** 2} MB as a patch; nothing was pushed`,
      );
    }
    if (run.code !== 0 || run.timedOut) {
      throw new Error(
        `could not read the agent's changes from its checkout: ${run.stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${run.code}`}`,
      );
    }
    return run.bytes;
  }
}
