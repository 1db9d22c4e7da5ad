import { describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, clientConfig, isLoopback } from '../../../core/store/connect.js';

describe('connecting', () => {
  it('recognises loopback endpoints', () => {
    for (const endpoint of [
      'http://localhost:8000',
      'http://127.0.0.1:4567',
      'http://[::1]:8000',
      'http://db.localhost',
    ]) {
      expect(isLoopback(endpoint)).toBe(true);
    }
    for (const endpoint of ['https://dynamodb.eu-west-1.amazonaws.com', 'http://dynamo:8000', 'not a url']) {
      expect(isLoopback(endpoint)).toBe(false);
    }
  });

  it('uses placeholder credentials and region on loopback without AWS credentials', () => {
    expect(clientConfig({}, 'http://127.0.0.1:9000')).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'local',
      credentials: LOCAL_CREDENTIALS,
    });
  });

  it('keeps configured credentials and region', () => {
    expect(
      clientConfig({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_REGION: 'eu-west-1' }, 'http://localhost:8000'),
    ).toEqual({
      endpoint: 'http://localhost:8000',
      region: 'eu-west-1',
    });
    expect(clientConfig({ AWS_PROFILE: 'dev' }, 'http://localhost:8000')).not.toHaveProperty('credentials');
    expect(clientConfig({}, 'http://dynamo:8000')).not.toHaveProperty('credentials');
  });

  it('signs with the embedded store’s credential from the environment, over any AWS credential', () => {
    const env = {
      NIGHTSHIFT_STORE_ACCESS_KEY_ID: 'NSLOCALABC',
      NIGHTSHIFT_STORE_SECRET_ACCESS_KEY: 'secret',
      AWS_ACCESS_KEY_ID: 'AKIA',
    };
    expect(clientConfig(env, 'http://127.0.0.1:9000')).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'local',
      credentials: { accessKeyId: 'NSLOCALABC', secretAccessKey: 'secret' },
    });
    // only for an endpoint: DynamoDB on AWS keeps the default chain
    expect(clientConfig(env, undefined)).toEqual({});
  });

  it('leaves AWS to the default chain', () => {
    expect(clientConfig({}, undefined)).toEqual({});
    expect(clientConfig({ AWS_REGION: 'us-east-1' }, undefined)).toEqual({ region: 'us-east-1' });
  });
});
