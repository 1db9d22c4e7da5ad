import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The fake GitHub needs no pacing between writes (see core/github/octokit.ts).
    env: { NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0' },
  },
});
