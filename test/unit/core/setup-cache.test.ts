import { describe, expect, it } from 'vitest';
import {
  cacheKey,
  cachePlan,
  cachePathProblem,
  splitCachePath,
  type CacheKeyMaterial,
} from '../../../core/setup-cache.js';

const on = { enabled: true } as const;

describe('cachePlan', () => {
  it('takes the defaults from the lockfiles at the root, and the key from the files that exist', () => {
    expect(cachePlan(on, ['npm ci'], new Set(['package-lock.json', 'package.json']))).toEqual({
      paths: ['~/.npm/_cacache'],
      keyFiles: ['package-lock.json', 'package.json'],
      source: 'npm',
    });
    expect(cachePlan(on, ['pnpm i'], new Set(['pnpm-lock.yaml', 'package.json', '.npmrc']))).toEqual({
      paths: ['~/.local/share/pnpm/store'],
      keyFiles: ['pnpm-lock.yaml', 'package.json', '.npmrc'],
      source: 'pnpm',
    });
    expect(cachePlan(on, ['yarn'], new Set(['yarn.lock']))?.paths).toEqual(['node_modules', '~/.cache/yarn']);
    expect(cachePlan(on, ['pip install -r requirements.txt'], new Set(['requirements.txt']))).toEqual({
      paths: ['~/.cache/pip'],
      keyFiles: ['requirements.txt'],
      source: 'pip',
    });
    // Two ecosystems: both caches, one node_modules.
    const both = cachePlan(on, ['x'], new Set(['yarn.lock', 'package-lock.json', 'poetry.lock']));
    expect(both?.paths).toEqual(['node_modules', '~/.cache/yarn', '~/.npm/_cacache', '~/.cache/pip']);
    expect(both?.source).toBe('yarn+npm+pip');
  });

  it('caches nothing without setup commands, when turned off, or with nothing recognisable', () => {
    expect(cachePlan(on, [], new Set(['package-lock.json']))).toBeUndefined();
    expect(cachePlan({ enabled: false }, ['npm ci'], new Set(['package-lock.json']))).toBeUndefined();
    expect(cachePlan(on, ['make'], new Set(['Makefile']))).toBeUndefined();
  });

  it('uses the configured paths and key, with the found lockfiles as the key when none is given', () => {
    expect(
      cachePlan({ enabled: true, paths: ['vendor/'], key: ['Gemfile.lock'] }, ['bundle'], new Set()),
    ).toEqual({
      paths: ['vendor'],
      keyFiles: ['Gemfile.lock'],
      source: 'config',
    });
    expect(
      cachePlan({ enabled: true, paths: ['build'] }, ['make'], new Set(['package-lock.json']))?.keyFiles,
    ).toEqual(['package-lock.json']);
  });
});

describe('cache paths', () => {
  it('are plain relative paths in the checkout or, with ~/, in the home', () => {
    expect(splitCachePath('~/.npm/_cacache/')).toEqual({ root: 'home', rel: '.npm/_cacache' });
    expect(splitCachePath('node_modules')).toEqual({ root: 'repo', rel: 'node_modules' });
    for (const ok of ['node_modules', 'a/b/c', '~/.cache/pip', '.venv', 'deps/'])
      expect(cachePathProblem(ok)).toBeUndefined();
    for (const bad of [
      '/abs',
      '../x',
      'a/../b',
      '~/../x',
      '~',
      '~x',
      '.git',
      '.GIT/hooks',
      'a\\b',
      'a\nb',
      '',
      './a',
    ])
      expect(cachePathProblem(bad)).toBeDefined();
  });
});

describe('cacheKey', () => {
  const material: CacheKeyMaterial = {
    installationId: 1,
    repository: 'acme/calc',
    scope: 'main',
    setup: ['npm ci'],
    paths: ['node_modules'],
    keyFiles: [['package-lock.json', 'a'.repeat(40)]],
    platform: 'linux-x64-node22-zstd',
  };

  it('is a SHA-256 that changes with every part of what the archive depends on', () => {
    const key = cacheKey(material);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey({ ...material })).toBe(key);
    expect(cacheKey({ ...material, repository: 'ACME/Calc' })).toBe(key);
    const changes: Partial<CacheKeyMaterial>[] = [
      { installationId: 2 },
      { repository: 'acme/other' },
      { scope: 'feature' },
      { setup: ['npm ci', 'npm run build'] },
      { paths: ['node_modules', 'dist'] },
      { keyFiles: [['package-lock.json', 'b'.repeat(40)]] },
      { keyFiles: [['package-lock.json', null]] },
      { platform: 'linux-arm64-node22-zstd' },
    ];
    const keys = new Set(changes.map((change) => cacheKey({ ...material, ...change })));
    expect(keys.size).toBe(changes.length);
    expect(keys.has(key)).toBe(false);
  });
});
