/**
 * The default model: the newest Sonnet-class model the installed `@anthropic-ai/sdk` lists in its
 * `Model` type. A repository can choose another with `model` in `.github/nightshift.yml`.
 * A unit test reads the SDK's type declarations and fails when a newer Sonnet appears there.
 */

export const DEFAULT_MODEL = 'claude-sonnet-5-5';
