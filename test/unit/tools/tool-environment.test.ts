import { describe, expect, it } from 'vitest';
import { SandboxError, toolEnvironment } from '../../../agent-task/sandbox/sandbox.js';

describe('toolEnvironment', () => {
  const base: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    ANTHROPIC_API_KEY: 'sk-ant-secret',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
    GITHUB_TOKEN: 'ghs_x',
    GH_TOKEN: 'ghs_y',
    AWS_ACCESS_KEY_ID: 'AKIA',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
    ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x',
    PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----',
    PRIVATE_KEY_PATH: '/run/key.pem',
    WEBHOOK_SECRET: 'whsec',
    APP_ID: '1',
    NODE_OPTIONS: '--require /tmp/evil.js',
    SOMETHING_ELSE: 'x',
    HOME: '/root',
    TERM: 'xterm-256color',
  };

  it('copies only the allow-listed variables and sets the fixed ones', () => {
    const env = toolEnvironment(base, { HOME: '/tmp/home', USER: 'nobody', TMPDIR: '/tmp/home/tmp' });
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: 'UTC',
      HOME: '/tmp/home',
      USER: 'nobody',
      TMPDIR: '/tmp/home/tmp',
      TERM: 'dumb',
      CI: 'true',
      NO_COLOR: '1',
      PAGER: 'cat',
      GIT_PAGER: 'cat',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Nightshift agent',
      GIT_AUTHOR_EMAIL: 'nightshift-agent@users.noreply.github.com',
      GIT_COMMITTER_NAME: 'Nightshift agent',
      GIT_COMMITTER_EMAIL: 'nightshift-agent@users.noreply.github.com',
    });
  });

  it('never carries a secret value, whatever the parent holds', () => {
    const values = Object.values(toolEnvironment(base));
    for (const secret of [
      'sk-ant-secret',
      'ghs_x',
      'ghs_y',
      'secret',
      'token',
      'whsec',
      '/root',
      '--require',
    ]) {
      expect(values.some((v) => v.includes(secret))).toBe(false);
    }
  });

  it('has sane defaults when the parent has no PATH or LANG', () => {
    const env = toolEnvironment({});
    expect(env.PATH).toContain('/usr/bin');
    expect(env.LANG).toBe('C.UTF-8');
  });

  it.each([
    'ANTHROPIC_API_KEY',
    'GITHUB_TOKEN',
    'AWS_SESSION_TOKEN',
    'NPM_TOKEN',
    'MY_API_KEY',
    'DB_PASSWORD',
  ])('refuses %s in extra', (name) => {
    expect(() => toolEnvironment(base, { [name]: 'x' })).toThrow(SandboxError);
  });
});
