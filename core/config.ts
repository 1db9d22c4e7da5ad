/**
 * `.github/nightshift.yml`: the repository's configuration, its zod schema (every field
 * described, every default documented), and validation whose errors name the field and say how
 * to fix it. The JSON schema generated from it (`core/nightshift.schema.json`,
 * `scripts/config-schema.ts`) lets editors complete and check the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { budgetSchema } from './budget-schema.js';
import { closest } from './closest-key.js';
import { mcpServersSchema, SERVER_NAME_FIX, SERVER_NAME_TITLE } from './mcp-servers.js';
import { DEFAULT_MODEL } from './model.js';
import { CACHE_PATH_TITLE, CHECKOUT_PATH_TITLE, cacheSchema, setupFailureSchema } from './setup-cache.js';

const wholeNumber = (min: number) => z.number().int().min(min);
const price = z
  .number()
  .min(0)
  .describe('USD per million tokens.')
  .meta({ examples: [3] });

/** A GitHub login: letters, digits and hyphens, not starting with a hyphen, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;

const LIMITS = { turns: 60, costUsd: 5, minutes: 45 };
const CI_FIX = { enabled: true, maxAttempts: 3 };
const PULL_REQUEST = { draft: true };
const LABEL = z.string().min(1).max(50);

export const configSchema = z
  .strictObject({
    label: LABEL.default('agent').describe(
      'The issue label that hands an issue to Nightshift (matched case-insensitively).',
    ),
    setup: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Shell commands run in the clone, in order, before the agent starts (install dependencies, build).',
      )
      .meta({ examples: [['npm ci']] }),
    setupTimeoutMinutes: wholeNumber(1)
      .default(10)
      .describe('Minutes the setup commands may take together before the task fails.'),
    setupFailure: setupFailureSchema,
    cache: cacheSchema,
    test: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'The command that verifies the work (exit code 0 = pass), run after the agent finishes. null: no verification step.',
      )
      .meta({ examples: ['npm test'] }),
    model: z
      .string()
      .min(1)
      .default(DEFAULT_MODEL)
      .describe(
        `The Claude model the agent uses. Default: the newest Sonnet the deployment knows (${DEFAULT_MODEL}).`,
      ),
    limits: z
      .strictObject({
        turns: wholeNumber(1)
          .default(LIMITS.turns)
          .describe('Most model turns (requests) one task may take.'),
        costUsd: z
          .number()
          .positive()
          .default(LIMITS.costUsd)
          .describe('Most estimated model cost in USD one task may spend before it stops.'),
        minutes: wholeNumber(1).default(LIMITS.minutes).describe('Most wall-clock minutes one task may run.'),
      })
      .default(LIMITS)
      .describe('Budgets for one task; the task stops and reports when it reaches any of them.'),
    budget: budgetSchema,
    verifyRounds: wholeNumber(0)
      .default(2)
      .describe(
        'How many times a failing test command goes back to the agent to fix before the task gives up.',
      ),
    ciFix: z
      .strictObject({
        enabled: z
          .boolean()
          .default(CI_FIX.enabled)
          .describe("Fix failing checks from other apps (CI) on Nightshift's own pull requests."),
        maxAttempts: wholeNumber(0)
          .default(CI_FIX.maxAttempts)
          .describe('Most automatic CI-fix tasks per pull request.'),
      })
      .default(CI_FIX)
      .describe('Automatic fixes when CI fails on a Nightshift pull request.'),
    reviewFix: z
      .boolean()
      .default(true)
      .describe(
        'A review that requests changes on a Nightshift pull request starts a task, without needing /agent fix.',
      ),
    instructions: z
      .string()
      .default('')
      .describe('Extra instructions for the agent in this repository (conventions, what not to touch).')
      .meta({ examples: ['Use pnpm, not npm. Never edit files under vendor/.'] }),
    allowedUsers: z
      .array(z.string().regex(LOGIN).meta({ title: 'GitHub login' }))
      .default([])
      .describe(
        'GitHub logins (without @) allowed to trigger Nightshift in addition to people with write access.',
      )
      .meta({ examples: [['octocat']] }),
    planLabel: LABEL.default('agent:plan').describe(
      'The issue label that asks Nightshift for a plan first: it explores, posts a plan comment, and changes nothing until `/agent go`.',
    ),
    plan: z
      .enum(['on-request', 'always'])
      .default('on-request')
      .describe(
        '`always`: the trigger label asks for a plan first, as `planLabel` does; `/agent go` starts the work. `on-request`: only `planLabel` and `/agent plan` do.',
      ),
    pullRequest: z
      .strictObject({
        draft: z.boolean().default(PULL_REQUEST.draft).describe('Open pull requests as drafts.'),
      })
      .default(PULL_REQUEST)
      .describe('How Nightshift opens pull requests.'),
    prices: z
      .record(
        z.string().min(1),
        z
          .strictObject({
            input: price,
            output: price,
            cacheWrite: price.describe('USD per million tokens written to the prompt cache (5-minute).'),
            cacheRead: price.describe('USD per million tokens read from the prompt cache.'),
          })
          .describe('Prices in USD per million tokens.'),
      )
      .optional()
      .describe("Per-model prices that override or extend Nightshift's price table, keyed by model id.")
      .meta({
        examples: [{ 'claude-sonnet-5-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 } }],
      }),
    mcpServers: mcpServersSchema,
    _extends: z
      .string()
      .optional()
      .describe("Inherit settings from another repository's file, e.g. `.github` (handled by Probot)."),
  })
  .meta({
    title: 'Nightshift repository configuration',
    description: 'Settings for Nightshift in .github/nightshift.yml. Every key is optional.',
  });

export type RepoConfig = z.output<typeof configSchema>;

export const DEFAULT_CONFIG: RepoConfig = configSchema.parse({});

/**
 * The config as the deployment allows it: `limits.minutes` at most `maxMinutes`
 * (NIGHTSHIFT_MAX_TASK_MINUTES), whatever the repository asks; the sweeper stops a runner that
 * outlives that maximum and a grace.
 */
export function withinDeploymentLimits(config: RepoConfig, maxMinutes: number | undefined): RepoConfig {
  if (maxMinutes === undefined || config.limits.minutes <= maxMinutes) return config;
  return { ...config, limits: { ...config.limits, minutes: maxMinutes } };
}

export type ParseResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

/** The JSON schema of the file as people write it (defaults applied, so nothing is required). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}

/**
 * Validate a parsed configuration. A missing or empty file (undefined, null) means all defaults.
 */
export function parseConfig(raw: unknown): ParseResult {
  const problems = findProblems(raw);
  if (problems.ok) return problems;
  return { ok: false, errors: problems.problems.map((p) => p.message) };
}

/** Parse and validate the YAML text of `.github/nightshift.yml`; errors carry line numbers. */
export function parseConfigYaml(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `line ${pos.line}, column ${pos.col}: YAML syntax error: ${what}. Check the indentation and quoting there.`;
      }),
    };
  }
  const problems = findProblems(doc.toJS());
  if (problems.ok) return problems;
  return {
    ok: false,
    errors: problems.problems.map(({ path, message }) => {
      const line = lineOf(doc, lineCounter, path);
      return line ? `line ${line}: ${message}` : message;
    }),
  };
}

type Problems =
  { ok: true; config: RepoConfig } | { ok: false; problems: { path: PropertyKey[]; message: string }[] };

function findProblems(raw: unknown): Problems {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  const schema = configJsonSchema();
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, schema));
  return { ok: false, problems };
}

type JsonSchema = {
  type?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  examples?: unknown[];
  title?: string;
  enum?: unknown[];
};

function describeIssue(
  issue: z.core.$ZodIssue,
  root: JsonSchema,
): { path: PropertyKey[]; message: string }[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(nodeAt(root, path)?.properties ?? {});
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      const full = formatPath([...path, key]);
      const fix = suggestion
        ? `did you mean '${formatPath([...path, suggestion])}'?`
        : `remove it; the keys here are: ${known.join(', ')}.`;
      return { path: [...path, key], message: `unknown key '${full}' — ${fix}` };
    });
  }
  // A refinement whose message is a sentence already says what is wrong and how to fix it.
  if (issue.code === 'custom' && issue.params?.sentence)
    return [{ path, message: `${formatPath(path)} ${issue.message}` }];
  if (issue.code === 'invalid_key') {
    const key = String(path.at(-1));
    const title = nodeAt(root, path.slice(0, -1))?.propertyNames?.title;
    const fixKey = title === SERVER_NAME_TITLE ? SERVER_NAME_FIX : 'Rename it.';
    return [
      {
        path,
        message: `${formatPath(path.slice(0, -1))}: the name ${JSON.stringify(key)} does not fit. ${fixKey}`,
      },
    ];
  }
  const node = nodeAt(root, path);
  const input = 'input' in issue ? issue.input : undefined;
  if (path.length === 0) {
    return [
      {
        path,
        message: `the file must be a mapping of settings such as "label: agent", got ${describeValue(input)}.`,
      },
    ];
  }
  if (!node) return [{ path, message: `${formatPath(path)}: ${issue.message}` }];
  const where = formatPath(path);
  const problem =
    input === undefined
      ? `missing — expected ${expected(node)}`
      : `expected ${expected(node)}, got ${describeValue(input)}`;
  return [{ path, message: `${where}: ${problem}. ${fix(where, node)}` }];
}

/** The JSON schema node that describes the value at `path`. */
function nodeAt(root: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const segment of path) {
    node = nonNull(node);
    if (!node) return undefined;
    if (typeof segment === 'number') node = node.items;
    else if (node.properties && Object.hasOwn(node.properties, String(segment)))
      node = node.properties[String(segment)];
    else node = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  }
  return node;
}

function nonNull(node: JsonSchema | undefined): JsonSchema | undefined {
  return node?.anyOf?.find((n) => n.type !== 'null') ?? node;
}

function isNullable(node: JsonSchema): boolean {
  return node.anyOf?.some((n) => n.type === 'null') ?? false;
}

function expected(node: JsonSchema): string {
  const base = nonNull(node)!;
  let text: string;
  if (base.title) text = `a ${base.title}`;
  else if (base.enum) text = `one of ${base.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (base.type === 'integer') text = `a whole number${bounds(base)}`;
  else if (base.type === 'number') text = `a number${bounds(base)}`;
  else if (base.type === 'boolean') text = 'true or false';
  else if (base.type === 'string') {
    text = base.minLength ? 'non-empty text' : 'text';
    if (base.maxLength !== undefined) text += ` of at most ${base.maxLength} characters`;
  } else if (base.type === 'array') text = `a list of ${plural(expected(base.items ?? {}))}`;
  else if (base.type === 'object') text = 'a mapping of keys to values';
  else text = 'a valid value';
  return isNullable(node) ? `${text}, or null` : text;
}

function plural(phrase: string): string {
  if (phrase === 'non-empty text') return 'non-empty strings';
  if (phrase === 'text') return 'strings';
  return phrase.replace(/^an? /, '') + 's';
}

function bounds(node: JsonSchema): string {
  const parts: string[] = [];
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${node.maximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function fix(where: string, node: JsonSchema): string {
  const base = nonNull(node)!;
  const example =
    node.examples?.[0] ?? (node.default !== '' ? node.default : undefined) ?? base.examples?.[0];
  if (base.type === 'boolean') return `Set ${where} to true or false.`;
  if (base.type === 'integer' || base.type === 'number') {
    const n = typeof example === 'number' ? example : (base.minimum ?? 1);
    return `Set ${where} to a number like ${n}.`;
  }
  if (base.type === 'object') {
    const keys = Object.keys(base.properties ?? {});
    if (keys.length === 0) return `Make ${where} a mapping.`;
    return `Make ${where} a mapping with the key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}.`;
  }
  if (base.title === 'GitHub login') return `Write a login like "octocat", without @.`;
  if (base.title === SERVER_NAME_TITLE) return SERVER_NAME_FIX;
  if (base.title === CHECKOUT_PATH_TITLE || base.title === CACHE_PATH_TITLE)
    return `Write a path from the repository's root${base.title === CACHE_PATH_TITLE ? ' (or ~/ for the home folder)' : ''} like ${JSON.stringify(base.examples?.[0])}: no leading /, no .., nothing under .git.`;
  if (base.enum) return `Set ${where} to ${base.enum.map((v) => JSON.stringify(v)).join(' or ')}.`;
  const like = example !== undefined && example !== null ? ` like ${JSON.stringify(example)}` : '';
  const orRemove = isNullable(node) || node.default !== undefined ? ', or remove the key' : '';
  if (base.type === 'array') return `Set ${where} to a list${like}${orRemove}.`;
  return `Set ${where} to text${like}${orRemove}.`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…"` : text;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : i === 0 ? String(segment) : `.${String(segment)}`,
    )
    .join('');
}

/** The 1-based line of the value at `path` in the YAML document, or of its nearest ancestor. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: PropertyKey[],
): number | undefined {
  for (let depth = path.length; depth >= 1; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
