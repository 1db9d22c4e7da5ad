/** What the figures were measured on: they mean little without it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './worker.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  git: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  loadAverageAtStart: number;
  commit: string;
  versions: Record<string, string>;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The installed version (read from the package's folder: some packages export no package.json). */
function versionOf(name: string, from = PROJECT_ROOT): string {
  try {
    const file = join(from, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineFacts(): MachineFacts {
  const adapterDir = join(PROJECT_ROOT, 'node_modules', '@probot', 'adapter-aws-lambda-serverless');
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    git: run('git', ['--version']).replace(/^git version /, ''),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    commit: run('git', ['rev-parse', '--short', 'HEAD']),
    versions: {
      probot: versionOf('probot'),
      'probot (stock adapter)': versionOf('probot', adapterDir),
      '@probot/adapter-aws-lambda-serverless': versionOf('@probot/adapter-aws-lambda-serverless'),
      '@anthropic-ai/sdk': versionOf('@anthropic-ai/sdk'),
      dynalite: versionOf('dynalite'),
      esbuild: versionOf('esbuild'),
    },
  };
}
