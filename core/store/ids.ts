/**
 * Task ids: ULID-shaped strings (26 characters of Crockford base32: 48 bits of milliseconds, then
 * 80 random bits), so that ids sort by creation time. Ids made in the same millisecond by one
 * generator are strictly increasing (the random part counts up), so they sort in creation order too.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;
const MAX_RANDOM = (1n << 80n) - 1n;

function encode(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET.charAt(Number(rest & 31n)) + out;
    rest >>= 5n;
  }
  return out;
}

export interface IdGeneratorOptions {
  now?: () => Date;
  /** 10 random bytes; crypto by default. */
  randomBytes?: () => Uint8Array;
}

export function createIdGenerator(options: IdGeneratorOptions = {}): () => string {
  const now = options.now ?? (() => new Date());
  const random = options.randomBytes ?? (() => randomBytes(10));
  let lastTime = -1;
  let lastRandom = 0n;
  return () => {
    // Never let the time part go backwards (a clock step back would otherwise break the order).
    const time = Math.max(Math.min(Math.max(now().getTime(), 0), MAX_TIME), lastTime);
    if (time === lastTime && lastRandom < MAX_RANDOM) {
      lastRandom += 1n;
    } else {
      const bytes = random();
      let value = 0n;
      for (const byte of bytes.subarray(0, 10)) value = (value << 8n) | BigInt(byte);
      // Keep headroom so that a burst within one millisecond can count up without overflowing.
      lastRandom = value >> 1n;
      lastTime = time;
    }
    return encode(BigInt(time), TIME_CHARS) + encode(lastRandom, RANDOM_CHARS);
  };
}

/** The time encoded in an id made by createIdGenerator. */
export function idTime(id: string): Date {
  let value = 0;
  for (const char of id.slice(0, TIME_CHARS).toUpperCase()) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`not an id: ${id}`);
    value = value * 32 + digit;
  }
  return new Date(value);
}
