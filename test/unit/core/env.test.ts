import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EnvError,
  hasAppCredentials,
  readAppCredentials,
  readAppEnv,
  readLocalServerEnv,
} from '../../../core/env.js';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

const base = {
  APP_ID: '123',
  // As .env and Probot's setup flow write it: newlines as `\n`.
  PRIVATE_KEY: PEM.trimEnd().replace(/\n/g, '\\n'),
  WEBHOOK_SECRET: 's',
};

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('no EnvError');
}

describe('readAppEnv', () => {
  it('applies the documented defaults and turns \\n in PRIVATE_KEY into newlines', () => {
    const env = readAppEnv(base);
    expect(env).toMatchObject({
      APP_ID: 123,
      GITHUB_API_URL: 'https://api.github.com',
      TABLE_NAME: 'nightshift',
      NIGHTSHIFT_RUNNER: 'local',
      NIGHTSHIFT_LABEL: 'agent',
      NIGHTSHIFT_MAX_CONCURRENT_TASKS: 5,
      PORT: 3000,
      LOG_LEVEL: 'info',
    });
    expect(env.privateKey).toBe(PEM.trimEnd());
    expect(env.LOG_FORMAT).toBeUndefined();
    expect(readAppEnv({ ...base, DYNAMODB_ENDPOINT: '' }).DYNAMODB_ENDPOINT).toBeUndefined();
  });

  it('names each bad variable, one line each, with how to fix it', () => {
    const problems = problemsOf(() =>
      readAppEnv({ ...base, APP_ID: 'abc', GITHUB_API_URL: 'not a url', NIGHTSHIFT_RUNNER: 'k8s' }),
    );
    expect(problems.map((p) => p.split(/[ =]/)[0])).toEqual([
      'APP_ID',
      'GITHUB_API_URL',
      'NIGHTSHIFT_RUNNER',
    ]);
    expect(problems[0]).toMatch(/^APP_ID="abc" is not valid \(.+\): set it to the App ID/);
    expect(problems[1]).toMatch(
      /^GITHUB_API_URL="not a url" is not valid .*: https:\/\/api\.github\.com, or/,
    );
    for (const problem of problems) expect(problem).not.toContain('\n');
    expect(problemsOf(() => readAppEnv({ APP_ID: '1', PRIVATE_KEY: base.PRIVATE_KEY }))).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET is not set: set it to the webhook secret on the App's page/),
    ]);
    expect(
      readAppEnv({ ...base, NIGHTSHIFT_MAX_CONCURRENT_TASKS: '12' }).NIGHTSHIFT_MAX_CONCURRENT_TASKS,
    ).toBe(12);
    expect(() => readAppEnv({ ...base, NIGHTSHIFT_MAX_CONCURRENT_TASKS: '0' })).toThrow(
      /NIGHTSHIFT_MAX_CONCURRENT_TASKS/,
    );
    expect(problemsOf(() => readAppEnv({ APP_ID: '1', WEBHOOK_SECRET: 's' }))).toEqual([
      expect.stringMatching(/^PRIVATE_KEY is not set: paste the whole of the \.pem file/),
    ]);
  });

  it('takes only a private key that parses, and never repeats a secret', () => {
    const secret = 'super-secret-value';
    const problems = problemsOf(() => readAppEnv({ ...base, PRIVATE_KEY: secret, WEBHOOK_SECRET: '' }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^WEBHOOK_SECRET is not set/);
    expect(problems[1]).toMatch(/^PRIVATE_KEY is not a PEM private key/);
    expect(problems.join('\n')).not.toContain(secret);
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => readAppEnv({ ...base, PRIVATE_KEY: publicKey })).toThrow(
      /^PRIVATE_KEY is not a PEM private key/,
    );
    expect(() => readAppEnv({ ...base, PRIVATE_KEY: '', PRIVATE_KEY_PATH: '/nonexistent/key.pem' })).toThrow(
      /^PRIVATE_KEY_PATH=\/nonexistent\/key\.pem: no such file/,
    );
  });

  it('takes an installation budget in USD above 0, and says how to fix another', () => {
    expect(readAppEnv(base).NIGHTSHIFT_INSTALLATION_MONTHLY_USD).toBeUndefined();
    expect(readAppEnv({ ...base, NIGHTSHIFT_INSTALLATION_MONTHLY_USD: '250.5' })).toMatchObject({
      NIGHTSHIFT_INSTALLATION_MONTHLY_USD: 250.5,
    });
    expect(problemsOf(() => readAppEnv({ ...base, NIGHTSHIFT_INSTALLATION_MONTHLY_USD: '-5' }))).toEqual([
      expect.stringMatching(
        /^NIGHTSHIFT_INSTALLATION_MONTHLY_USD="-5" is not valid \(.*\): a number of US dollars above 0, like 500/,
      ),
    ]);
  });

  it('LOG_FORMAT is json or pretty; WEBHOOK_PROXY_URL an http(s) URL', () => {
    expect(readAppEnv({ ...base, LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(() => readAppEnv({ ...base, LOG_FORMAT: 'fancy' } as Record<string, string>)).toThrow(
      /^LOG_FORMAT="fancy" is not valid/,
    );
    expect(readAppEnv({ ...base, WEBHOOK_PROXY_URL: 'https://smee.io/abc' }).WEBHOOK_PROXY_URL).toBe(
      'https://smee.io/abc',
    );
    expect(() => readAppEnv({ ...base, WEBHOOK_PROXY_URL: 'ftp://smee.io/abc' })).toThrow(
      /^WEBHOOK_PROXY_URL="ftp:\/\/smee\.io\/abc" is not valid .*smee\.io\/new/,
    );
  });
});

describe('readLocalServerEnv (npm start)', () => {
  it('needs ANTHROPIC_API_KEY when it starts the agents itself, not when ECS does', () => {
    expect(() => readLocalServerEnv(base)).toThrow(/^ANTHROPIC_API_KEY is not set: the agent calls Claude/);
    expect(readLocalServerEnv({ ...base, ANTHROPIC_API_KEY: 'k' }).APP_ID).toBe(123);
    expect(readLocalServerEnv({ ...base, NIGHTSHIFT_RUNNER: 'ecs' }).NIGHTSHIFT_RUNNER).toBe('ecs');
  });

  it('the setup flow runs only when none of the App’s variables is set', () => {
    expect(hasAppCredentials({})).toBe(false);
    expect(hasAppCredentials({ APP_ID: '', ANTHROPIC_API_KEY: 'k' })).toBe(false);
    expect(hasAppCredentials({ PRIVATE_KEY_PATH: '/x.pem' })).toBe(true);
    expect(hasAppCredentials({ WEBHOOK_SECRET: 's' })).toBe(true);
  });
});

describe('readAppCredentials (the token function)', () => {
  it('needs the App id and key but no webhook secret', () => {
    const env = readAppCredentials({ APP_ID: '123', PRIVATE_KEY: base.PRIVATE_KEY });
    expect(env).toMatchObject({ APP_ID: 123, GITHUB_API_URL: 'https://api.github.com', LOG_LEVEL: 'info' });
    expect(env.privateKey).toBe(PEM.trimEnd());
    expect(env).not.toHaveProperty('WEBHOOK_SECRET');
    expect(() => readAppCredentials({ APP_ID: '123' })).toThrow(/PRIVATE_KEY is not set/);
    expect(() => readAppCredentials({ APP_ID: 'x', PRIVATE_KEY: base.PRIVATE_KEY })).toThrow(/APP_ID/);
  });
});
