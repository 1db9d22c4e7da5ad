import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The fake GitHub needs no pacing between writes (see core/github/octokit.ts).
    // The AWS SDK's notice about its future Node 22 requirement is noise in test output.
    env: {
      NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
