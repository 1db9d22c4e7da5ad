import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../../core/model.js';
import { estimateCost, PRICES, priceFor } from '../../../core/pricing.js';

function sdkModels(): Set<string> {
  const sdkMain = createRequire(import.meta.url).resolve('@anthropic-ai/sdk');
  const dts = readFileSync(join(dirname(sdkMain), 'resources/messages/messages.d.ts'), 'utf8');
  const modelType = /export type Model = ([^;]+);/.exec(dts)?.[1] ?? '';
  return new Set([...modelType.matchAll(/'(claude-[a-z0-9-]+)'/g)].map((m) => m[1]!));
}

const million = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 };

describe('price table', () => {
  it('prices only models the installed SDK lists, and prices the default model', () => {
    const listed = sdkModels();
    expect(listed.size).toBeGreaterThan(0);
    for (const model of Object.keys(PRICES)) expect(listed.has(model), model).toBe(true);
    expect(priceFor(DEFAULT_MODEL)).toBeDefined();
  });

  it('has sane entries: cache reads cheaper than input, cache writes dearer, output dearest', () => {
    for (const [model, p] of Object.entries(PRICES)) {
      expect(p.cacheRead, model).toBeLessThan(p.input);
      expect(p.cacheWrite, model).toBeGreaterThan(p.input);
      expect(p.output, model).toBeGreaterThan(p.input);
    }
  });

  it('uses the published 5-minute cache multipliers (1.25× write, 0.1× read) for Sonnet 4.x and Haiku 4.5', () => {
    for (const model of ['claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5']) {
      const p = PRICES[model]!;
      expect(p.cacheWrite).toBeCloseTo(p.input * 1.25);
      expect(p.cacheRead).toBeCloseTo(p.input * 0.1);
    }
  });
});

describe('estimateCost', () => {
  it('adds input, output, cache write and cache read at their prices', () => {
    expect(estimateCost('claude-sonnet-4-5', million)).toBeCloseTo(18);
    expect(
      estimateCost('claude-sonnet-4-6', {
        inputTokens: 10_000,
        outputTokens: 2_000,
        cacheWriteTokens: 100_000,
        cacheReadTokens: 1_000_000,
      }),
    ).toBeCloseTo(0.03 + 0.03 + 0.375 + 0.3);
    expect(estimateCost('claude-haiku-4-5', million)).toBeCloseTo(6);
    expect(estimateCost('claude-opus-4-5-20251101', million)).toBeCloseTo(30);
  });

  it('is 0 for no usage of a known model', () => {
    expect(
      estimateCost(DEFAULT_MODEL, {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      }),
    ).toBe(0);
  });

  it('is null, never 0, for an unknown model', () => {
    expect(estimateCost('claude-unknown-9', million)).toBeNull();
    expect(estimateCost('claude-haiku-5-5', million)).toBeNull();
    expect(estimateCost('toString', million)).toBeNull();
  });

  it('prefers an override, and an override can price an unknown model', () => {
    const overrides = {
      'claude-sonnet-4-5': { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 },
      'my-proxy-model': { input: 2, output: 4, cacheWrite: 0, cacheRead: 0 },
    };
    expect(estimateCost('claude-sonnet-4-5', million, overrides)).toBeCloseTo(2);
    expect(estimateCost('my-proxy-model', million, overrides)).toBeCloseTo(6);
    expect(estimateCost('claude-opus-4-6', million, overrides)).toBeCloseTo(30);
  });
});
