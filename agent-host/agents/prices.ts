import { z } from 'zod';
import type { TokenUsage } from '../../common/protocol/agents';
import { readYamlConfig } from './yamlConfig';

/** USD per million tokens. */
const Price = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cache_read: z.number().nonnegative().optional(),
    cache_write: z.number().nonnegative().optional(),
  })
  .strict();
type Price = z.infer<typeof Price>;

const PricesFile = z.object({ prices: z.record(z.string().min(1).max(256), Price) }).strict();

/**
 * List prices when this was written (USD per million tokens); the host's `prices.yaml` overrides or adds to them,
 * because gateways and contracts price differently. Keys are model-name prefixes: the longest match wins. Cache
 * reads default to a tenth of input and cache writes to 1.25 times input, as the vendors bill them.
 */
const DEFAULT_PRICES: Record<string, Price> = {
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-haiku-4': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gpt-5': { input: 1.25, output: 10, cache_read: 0.125, cache_write: 1.25 },
};

export class PriceTable {
  constructor(private readonly file: string) {}

  /** The cost of `usage` on `model`, or null when no price is known for it. */
  cost(model: string | null, usage: TokenUsage): number | null {
    if (!model) return null;
    const prices = { ...DEFAULT_PRICES, ...this.readFile() };
    const key = Object.keys(prices)
      .filter((prefix) => model.startsWith(prefix))
      .sort((a, b) => b.length - a.length)[0];
    if (key === undefined) return null;
    const price = prices[key]!;
    const perToken = (perMillion: number) => perMillion / 1_000_000;
    return (
      usage.inputTokens * perToken(price.input) +
      usage.outputTokens * perToken(price.output) +
      usage.cacheReadTokens * perToken(price.cache_read ?? price.input / 10) +
      usage.cacheWriteTokens * perToken(price.cache_write ?? price.input * 1.25)
    );
  }

  private readFile(): Record<string, Price> {
    return readYamlConfig(this.file, PricesFile, 'price table', { prices: {} }).prices;
  }
}
