import { describe, expect, it } from 'vitest';
import { EnvError, readAppCredentials, readAppEnv } from '../../../core/env.js';

const base = {
  APP_ID: '123',
  PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----',
  WEBHOOK_SECRET: 's',
};

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
    expect(env.privateKey.split('\n')).toHaveLength(3);
    expect(readAppEnv({ ...base, DYNAMODB_ENDPOINT: '' }).DYNAMODB_ENDPOINT).toBeUndefined();
  });

  it('names each bad variable', () => {
    expect(() =>
      readAppEnv({ ...base, APP_ID: 'abc', GITHUB_API_URL: 'not a url', NIGHTSHIFT_RUNNER: 'k8s' }),
    ).toThrow(/APP_ID[\s\S]*GITHUB_API_URL[\s\S]*NIGHTSHIFT_RUNNER/);
    expect(() => readAppEnv({ APP_ID: '1', PRIVATE_KEY: 'k' })).toThrow(/WEBHOOK_SECRET/);
    expect(
      readAppEnv({ ...base, NIGHTSHIFT_MAX_CONCURRENT_TASKS: '12' }).NIGHTSHIFT_MAX_CONCURRENT_TASKS,
    ).toBe(12);
    expect(() => readAppEnv({ ...base, NIGHTSHIFT_MAX_CONCURRENT_TASKS: '0' })).toThrow(
      /NIGHTSHIFT_MAX_CONCURRENT_TASKS/,
    );
    expect(() => readAppEnv({ APP_ID: '1', WEBHOOK_SECRET: 's' })).toThrow(EnvError);
    expect(() => readAppEnv({ APP_ID: '1', WEBHOOK_SECRET: 's' })).toThrow(/PRIVATE_KEY or PRIVATE_KEY_PATH/);
  });
});

describe('readAppCredentials (the token function)', () => {
  it('needs the App id and key but no webhook secret', () => {
    const env = readAppCredentials({ APP_ID: '123', PRIVATE_KEY: base.PRIVATE_KEY });
    expect(env).toMatchObject({ APP_ID: 123, GITHUB_API_URL: 'https://api.github.com', LOG_LEVEL: 'info' });
    expect(env.privateKey.split('\n')).toHaveLength(3);
    expect(env).not.toHaveProperty('WEBHOOK_SECRET');
    expect(() => readAppCredentials({ APP_ID: '123' })).toThrow(/PRIVATE_KEY or PRIVATE_KEY_PATH/);
    expect(() => readAppCredentials({ APP_ID: 'x', PRIVATE_KEY: 'k' })).toThrow(/APP_ID/);
  });
});
