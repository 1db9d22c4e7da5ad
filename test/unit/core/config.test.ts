import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  configJsonSchema,
  DEFAULT_CONFIG,
  parseConfig,
  parseConfigYaml,
  withinDeploymentLimits,
} from '../../../core/config.js';
import { fillSecrets, secretsNamed } from '../../../core/mcp-servers.js';
import { DEFAULT_MODEL } from '../../../core/model.js';

function errorsOf(raw: unknown): string[] {
  const result = parseConfig(raw);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.errors;
}

describe('parseConfig', () => {
  it('fills every documented default for an empty or missing file', () => {
    expect(DEFAULT_CONFIG).toEqual({
      label: 'agent',
      setup: [],
      setupTimeoutMinutes: 10,
      setupFailure: 'fail',
      cache: { enabled: true },
      test: null,
      model: DEFAULT_MODEL,
      limits: { turns: 60, costUsd: 5, minutes: 45 },
      budget: { monthlyUsd: null },
      verifyRounds: 2,
      ciFix: { enabled: true, maxAttempts: 3 },
      reviewFix: true,
      instructions: '',
      allowedUsers: [],
      planLabel: 'agent:plan',
      plan: 'on-request',
      pullRequest: { draft: true },
      mcpServers: {},
    });
    expect(parseConfig({})).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(parseConfig(null)).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(parseConfig(undefined)).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('refuses a monthly budget that is not a positive number', () => {
    expect(errorsOf({ budget: { monthlyUsd: 0 } })[0]).toMatch(/^budget\.monthlyUsd: expected a number > 0/);
    expect(errorsOf({ budget: { monthlyUsd: '100' } })[0]).toMatch(/^budget\.monthlyUsd: expected a number/);
  });

  it('keeps defaults for the keys a partial nested block leaves out', () => {
    const result = parseConfig({ limits: { turns: 10 }, ciFix: { enabled: false } });
    expect(result.ok && result.config.limits).toEqual({ turns: 10, costUsd: 5, minutes: 45 });
    expect(result.ok && result.config.ciFix).toEqual({ enabled: false, maxAttempts: 3 });
  });

  it('accepts a full configuration', () => {
    const raw = {
      label: 'nightshift',
      setup: ['npm ci', 'npm run build'],
      setupTimeoutMinutes: 20,
      setupFailure: 'continue',
      cache: { enabled: true, paths: ['node_modules', '~/.npm/_cacache'], key: ['package-lock.json'] },
      test: 'npm test',
      model: 'claude-opus-5-5',
      limits: { turns: 100, costUsd: 12.5, minutes: 90 },
      budget: { monthlyUsd: 250 },
      verifyRounds: 0,
      ciFix: { enabled: false, maxAttempts: 1 },
      reviewFix: false,
      instructions: 'Use pnpm.',
      allowedUsers: ['octocat', 'mona-lisa'],
      planLabel: 'plan-please',
      plan: 'always',
      pullRequest: { draft: false },
      prices: { 'my-model': { input: 1, output: 2, cacheWrite: 1.25, cacheRead: 0.1 } },
      mcpServers: {
        browser: {
          command: 'npx',
          args: ['@playwright/mcp', '--headless'],
          tools: ['browser_navigate'],
          timeoutSeconds: 60,
        },
        docs: {
          type: 'http',
          url: 'https://mcp.example.com/mcp',
          headers: { Authorization: 'Bearer ${{ secrets.DOCS_TOKEN }}' },
          timeoutSeconds: 120,
        },
      },
      _extends: '.github',
    };
    expect(parseConfig(raw)).toEqual({ ok: true, config: raw });
  });

  it('refuses cache paths outside the checkout or the home, and an unknown setupFailure', () => {
    const fix =
      /Write a path from the repository's root \(or ~\/ for the home folder\) like "node_modules": no leading \/, no \.\., nothing under \.git\.$/;
    for (const path of [
      '../outside',
      '/etc',
      '~/../etc',
      'a/../../b',
      '.git/hooks',
      '~',
      'a//b',
      './x',
      'C:/x',
    ]) {
      const errors = errorsOf({ cache: { paths: [path] } });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^cache\.paths\[0\]: expected a path inside the repository or ~\/, got /);
      expect(errors[0]).toMatch(fix);
    }
    expect(errorsOf({ cache: { key: ['~/.npmrc'] } })[0]).toMatch(
      /^cache\.key\[0\]: expected a path inside the repository,/,
    );
    expect(errorsOf({ plan: 'sometimes' })[0]).toMatch(/^plan: expected one of "on-request", "always"/);
    expect(errorsOf({ setupFailure: 'ignore' })).toEqual([
      'setupFailure: expected one of "fail", "continue", got "ignore". Set setupFailure to "fail" or "continue".',
    ]);
    expect(parseConfig({ cache: { paths: ['vendor/bundle/', '~/.cache/pip'] } }).ok).toBe(true);
  });

  it('names the field, the value and the fix', () => {
    expect(errorsOf({ limits: { turns: 'ten' } })).toEqual([
      'limits.turns: expected a whole number ≥ 1, got "ten". Set limits.turns to a number like 60.',
    ]);
    expect(errorsOf({ limits: { turns: 2.5 } })[0]).toMatch(
      /^limits\.turns: expected a whole number ≥ 1, got 2\.5\./,
    );
    expect(errorsOf({ limits: { costUsd: 0 } })).toEqual([
      'limits.costUsd: expected a number > 0, got 0. Set limits.costUsd to a number like 5.',
    ]);
    expect(errorsOf({ ciFix: { enabled: 'yes' } })).toEqual([
      'ciFix.enabled: expected true or false, got "yes". Set ciFix.enabled to true or false.',
    ]);
    expect(errorsOf({ setup: 'npm ci' })).toEqual([
      'setup: expected a list of non-empty strings, got "npm ci". Set setup to a list like ["npm ci"], or remove the key.',
    ]);
    expect(errorsOf({ setup: ['npm ci', ''] })[0]).toMatch(/^setup\[1\]: expected non-empty text, got ""\./);
    expect(errorsOf({ test: 5 })).toEqual([
      'test: expected non-empty text, or null, got 5. Set test to text like "npm test", or remove the key.',
    ]);
    expect(errorsOf({ allowedUsers: ['@alice'] })).toEqual([
      'allowedUsers[0]: expected a GitHub login, got "@alice". Write a login like "octocat", without @.',
    ]);
    expect(errorsOf({ pullRequest: true })).toEqual([
      'pullRequest: expected a mapping of keys to values, got true. Make pullRequest a mapping with the key draft.',
    ]);
    expect(errorsOf({ prices: { 'my-model': { input: 1, output: 2, cacheWrite: 1 } } })).toEqual([
      'prices.my-model.cacheRead: missing — expected a number ≥ 0. Set prices.my-model.cacheRead to a number like 3.',
    ]);
  });

  it('names unknown keys and suggests the likely one', () => {
    expect(errorsOf({ labels: 'agent' })).toEqual(["unknown key 'labels' — did you mean 'label'?"]);
    expect(errorsOf({ Label: 'agent' })).toEqual(["unknown key 'Label' — did you mean 'label'?"]);
    expect(errorsOf({ limits: { turn: 3 } })).toEqual([
      "unknown key 'limits.turn' — did you mean 'limits.turns'?",
    ]);
    const [unknown] = errorsOf({ colour: 'blue' });
    expect(unknown).toMatch(/^unknown key 'colour' — remove it; the keys here are: label, setup, /);
  });

  it('reports every problem at once', () => {
    expect(errorsOf({ labels: 'x', limits: { minutes: -1 }, reviewFix: 'no' })).toHaveLength(3);
  });

  it('refuses a file that is not a mapping', () => {
    expect(errorsOf(['label'])).toEqual([
      'the file must be a mapping of settings such as "label: agent", got a list.',
    ]);
    expect(errorsOf('agent')[0]).toMatch(/got "agent"\.$/);
  });
});

describe('mcpServers', () => {
  it('refuses what cannot be a server, naming the entry and the fix', () => {
    const result = parseConfigYaml(
      [
        'mcpServers:',
        '  "bad name":',
        '    command: x',
        '  both:',
        '    command: a',
        '    url: https://x.example/mcp',
        '  neither:',
        '    tools: [a]',
        '  mixed:',
        '    command: a',
        '    headers: { A: b }',
        '  ftp:',
        '    url: ftp://x.example/mcp',
        '  sse:',
        '    type: stdio',
        '    url: https://x.example/mcp',
        '  slow:',
        '    command: a',
        '    timeoutSeconds: 0',
      ].join('\n'),
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'line 3: mcpServers: the name "bad name" does not fit. Name the server with letters, digits and hyphens (at most 30, starting with a letter or digit), like "browser".',
        'line 5: mcpServers.both has both `command` and `url`: keep `command` for a server started in the sandbox, or `url` for an HTTP server.',
        'line 8: mcpServers.neither needs `command` (a server started in the sandbox) or `url` (a streamable HTTP server).',
        'line 10: mcpServers.mixed has `headers` with a `command`: pass values to a started server in `env`.',
        'line 13: mcpServers.ftp.url: expected a http or https URL, got "ftp://x.example/mcp". Set mcpServers.ftp.url to text like "https://mcp.example.com/mcp".',
        'line 15: mcpServers.sse is `type: stdio` but has a `url`: give it a `command` instead.',
        'line 19: mcpServers.slow.timeoutSeconds: expected a whole number ≥ 1 and ≤ 3600, got 0. Set mcpServers.slow.timeoutSeconds to a number like 120.',
      ],
    });
  });

  it('names the secrets an entry uses and fills them in only from the store', () => {
    const result = parseConfig({
      mcpServers: {
        docs: {
          url: 'https://mcp.example.com/mcp',
          headers: {
            Authorization: 'Bearer ${{ secrets.DOCS_TOKEN }}',
            'X-Team': '${{secrets.TEAM}}-${{ secrets.DOCS_TOKEN }}',
          },
        },
      },
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const docs = result.config.mcpServers.docs!;
    expect(secretsNamed(docs)).toEqual(['DOCS_TOKEN', 'TEAM']);
    const store = new Map([
      ['DOCS_TOKEN', 'tok'],
      ['TEAM', 'blue'],
    ]);
    expect(fillSecrets(docs.headers, store)).toEqual({ Authorization: 'Bearer tok', 'X-Team': 'blue-tok' });
    expect(() => fillSecrets(docs.headers, new Map([['TEAM', 'blue']]))).toThrow(
      'secret DOCS_TOKEN is not set',
    );
  });
});

describe('parseConfigYaml', () => {
  it('parses YAML and applies defaults; an empty file is all defaults', () => {
    expect(parseConfigYaml('label: nightshift\nsetup:\n  - npm ci\n')).toEqual({
      ok: true,
      config: { ...DEFAULT_CONFIG, label: 'nightshift', setup: ['npm ci'] },
    });
    expect(parseConfigYaml('')).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(parseConfigYaml('# only a comment\n')).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('reports a YAML syntax error with its line', () => {
    const result = parseConfigYaml('label: agent\nlimits:\n  turns: 3\n   minutes: 4\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatch(/^line [34], column \d+: YAML syntax error: /);
    const dup = parseConfigYaml('label: a\nlabel: b\n');
    expect(!dup.ok && dup.errors[0]).toMatch(/^line 2, column 1: YAML syntax error: Map keys must be unique/);
  });

  it('puts the line of the offending value in front of schema errors', () => {
    const result = parseConfigYaml('label: agent\nlimits:\n  turns: ten\nlabels: x\n');
    expect(result).toEqual({
      ok: false,
      errors: [
        'line 3: limits.turns: expected a whole number ≥ 1, got "ten". Set limits.turns to a number like 60.',
        "line 4: unknown key 'labels' — did you mean 'label'?",
      ],
    });
  });
});

describe('configJsonSchema', () => {
  const schema = configJsonSchema();

  it('equals the committed core/nightshift.schema.json (regenerate: npx tsx scripts/config-schema.ts)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../core/nightshift.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(schema);
  });

  it('describes every setting and publishes its default', () => {
    const properties = schema.properties as Record<string, { description?: string; default?: unknown }>;
    for (const [key, property] of Object.entries(properties)) {
      expect(property.description, key).toBeTruthy();
      if (key !== 'prices' && key !== '_extends')
        expect(property.default, key).toEqual(DEFAULT_CONFIG[key as keyof typeof DEFAULT_CONFIG]);
    }
  });

  it('agrees with the zod schema on what a valid file is', () => {
    const validate = new Ajv2020({ strict: true }).compile(schema);
    expect(validate({})).toBe(true);
    expect(validate(DEFAULT_CONFIG)).toBe(true);
    expect(validate({ limits: { turns: 'ten' } })).toBe(false);
    expect(validate({ labels: 'agent' })).toBe(false);
  });
});

describe('a config kept on the task record', () => {
  it('validates again to itself (dispatch stores the parsed config, the agent task parses it again)', () => {
    const parsed = parseConfigYaml(
      '_extends: .github\ntest: npm test\ninstructions: Use pnpm.\nlimits:\n  turns: 9\nprices:\n  m: { input: 1, output: 2, cacheWrite: 1, cacheRead: 0.1 }\n',
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const stored = JSON.parse(JSON.stringify(parsed.config)) as unknown;
    expect(parseConfig(stored)).toEqual({ ok: true, config: parsed.config });
    expect(parseConfig(JSON.parse(JSON.stringify(DEFAULT_CONFIG)))).toEqual({
      ok: true,
      config: DEFAULT_CONFIG,
    });
  });
});

describe('the deployment maximum of limits.minutes (NIGHTSHIFT_MAX_TASK_MINUTES)', () => {
  it('cuts a longer limits.minutes to the maximum and leaves a shorter one, and the rest, alone', () => {
    const long = parseConfig({ limits: { minutes: 600, turns: 7 } });
    const short = parseConfig({ limits: { minutes: 30 } });
    if (!long.ok || !short.ok) throw new Error('valid configs');
    expect(withinDeploymentLimits(long.config, 120).limits).toEqual({ ...long.config.limits, minutes: 120 });
    expect(withinDeploymentLimits(long.config, 120).limits.turns).toBe(7);
    expect(withinDeploymentLimits(short.config, 120)).toBe(short.config);
    expect(withinDeploymentLimits(long.config, undefined)).toBe(long.config);
  });
});
