/**
 * The one price table, and the cost estimate made from the usage the Messages API reports.
 *
 * Prices are USD per million tokens, from Anthropic's published pricing
 * (https://platform.claude.com/docs/en/about-claude/pricing and each model's overview page).
 * `cacheWrite` is the 5-minute cache write; 1-hour writes, fast mode, batch discounts and
 * regional (`inference_geo`) multipliers are not modelled. Models whose price is unknown or does
 * not fit this shape (Haiku 5.5 is priced by prompt length per request) are left out: their cost
 * is unknown (null), never 0. Repositories override or add entries with `prices` in
 * `.github/nightshift.yml`.
 */

export interface Price {
  /** USD per million uncached input tokens. */
  input: number;
  /** USD per million output tokens (thinking included). */
  output: number;
  /** USD per million tokens written to the prompt cache (5-minute TTL). */
  cacheWrite: number;
  /** USD per million tokens read from the prompt cache. */
  cacheRead: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const SONNET_4: Price = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
const SONNET_5: Price = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 };
const HAIKU_4_5: Price = { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 };
const OPUS_4_5: Price = { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 };
const FABLE_5: Price = { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 };
const FABLE_5_1: Price = { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 };

export const PRICES: Readonly<Record<string, Price>> = {
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4-5-20250929': SONNET_4,
  'claude-sonnet-4-6': SONNET_4,
  // Sonnet 5's $2/$10 launch price became its standard price.
  'claude-sonnet-5': SONNET_5,
  // Sonnet 5.5 cache reads were cut from 0.1× to 0.05× input on 2026-10-07.
  'claude-sonnet-5-5': { ...SONNET_5, cacheRead: 0.1 },
  'claude-haiku-4-5': HAIKU_4_5,
  'claude-haiku-4-5-20251001': HAIKU_4_5,
  'claude-opus-4-5': OPUS_4_5,
  'claude-opus-4-5-20251101': OPUS_4_5,
  'claude-opus-4-6': OPUS_4_5,
  'claude-opus-4-7': OPUS_4_5,
  'claude-opus-4-8': OPUS_4_5,
  'claude-opus-5': OPUS_4_5,
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 },
  'claude-fable-5': FABLE_5,
  'claude-mythos-5': FABLE_5,
  'claude-fable-5-1': FABLE_5_1,
  'claude-mythos-5-1': FABLE_5_1,
};

/** The price for a model: a configured override first, then the table; undefined when unknown. */
export function priceFor(model: string, overrides?: Record<string, Price>): Price | undefined {
  if (overrides && Object.hasOwn(overrides, model)) return overrides[model];
  return Object.hasOwn(PRICES, model) ? PRICES[model] : undefined;
}

/** Estimated cost in USD, or null when the model's price is unknown (never 0 for an unknown model). */
export function estimateCost(
  model: string,
  usage: TokenUsage,
  overrides?: Record<string, Price>,
): number | null {
  const price = priceFor(model, overrides);
  if (!price) return null;
  const microDollars =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheWriteTokens * price.cacheWrite +
    usage.cacheReadTokens * price.cacheRead;
  return microDollars / 1_000_000;
}
