import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from '../../../core/log.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('LOG_FORMAT as Probot reads it; unset, pretty on a terminal only', () => {
    expect(logFormat('pretty', false)).toBe('pretty');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat(undefined, true)).toBe('pretty');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat('', false)).toBe('json');
  });

  it('a key bound again by a child is printed once, with the child’s value', () => {
    const out = capture();
    const log = createLogger('info', 'json', out.stream);
    log.child({ name: 'server', taskId: 't1' }).child({ name: 'http' }).info('hello');
    log.child({ taskId: 't2' }).info('plain');
    const [first, second] = out.lines();
    expect(first?.match(/"name":/g)).toHaveLength(1);
    expect(JSON.parse(first ?? '')).toMatchObject({
      service: 'nightshift',
      name: 'http',
      taskId: 't1',
      msg: 'hello',
    });
    expect(JSON.parse(second ?? '')).toMatchObject({ taskId: 't2', msg: 'plain' });
  });

  it('Probot’s own loggers (probot → octokit) carry one name', async () => {
    const out = capture();
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const probot = new Probot({ appId: 1, privateKey, log: createLogger('info', 'json', out.stream) });
    probot.log.info('from probot');
    (await probot.auth()).log.info('from octokit');
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.match(/"name":/g), line).toHaveLength(1);
    expect(lines.map((line) => (JSON.parse(line) as { name: string }).name)).toEqual(['probot', 'octokit']);
  });

  it('LOG_FORMAT=pretty prints a line a person reads, fields below it', () => {
    const out = capture();
    createLogger('info', 'pretty', out.stream).child({ taskId: 't1' }).warn('took long');
    const [line, field] = out.lines();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: took long$/);
    expect(field).toBe('    taskId: "t1"');
  });
});
