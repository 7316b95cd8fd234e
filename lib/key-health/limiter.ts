/**
 * Token buckets per customer account and Region for the key-health checks. KMS counts
 * requests per account and Region (AWS KMS Developer Guide, "Request quotas"), and one
 * customer may have hundreds of environments: without a limit their checks would arrive
 * together and spend the customer's own KMS quota. Each bucket holds at most one second of
 * checks and refills at `ratePerSecond`. A check that met throttling halves its bucket's rate
 * (down to a floor) for `penaltyMs`; each quiet `penaltyMs` after that doubles it back, up to
 * the configured rate.
 *
 * Reservation style: taking a check always succeeds when the wait is acceptable, the tokens
 * may go below zero, and the caller waits until its reservation is covered. Callers are thus
 * served in the order they asked, and nothing here sleeps: the clock is passed in.
 */

export interface LimiterOptions {
  ratePerSecond: number;
  /** Milliseconds since any epoch; only differences matter. */
  now: () => number;
  /** How long a throttled bucket stays slowed before it speeds up again (default 60 s). */
  penaltyMs?: number;
  /** The slowest a bucket gets, as a fraction of `ratePerSecond` (default 1/16). */
  floorFraction?: number;
}

interface Bucket {
  tokens: number;
  rate: number;
  updatedAt: number;
  /** Until this instant the rate may not rise. */
  calmUntil: number;
}

export class AccountRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly penaltyMs: number;
  private readonly floorRate: number;

  constructor(private readonly options: LimiterOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error("ratePerSecond must be positive");
    this.penaltyMs = options.penaltyMs ?? 60_000;
    this.floorRate = options.ratePerSecond * (options.floorFraction ?? 1 / 16);
  }

  private bucket(key: string): Bucket {
    const now = this.options.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.capacity(this.options.ratePerSecond), rate: this.options.ratePerSecond, updatedAt: now, calmUntil: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // Recovery: one doubling per quiet penalty window since the last change.
    while (bucket.rate < this.options.ratePerSecond && now >= bucket.calmUntil) {
      this.refill(bucket, bucket.calmUntil);
      bucket.rate = Math.min(this.options.ratePerSecond, bucket.rate * 2);
      bucket.calmUntil += this.penaltyMs;
    }
    this.refill(bucket, now);
    return bucket;
  }

  private capacity(rate: number): number {
    return Math.max(1, rate);
  }

  private refill(bucket: Bucket, at: number): void {
    if (at <= bucket.updatedAt) return;
    bucket.tokens = Math.min(this.capacity(bucket.rate), bucket.tokens + ((at - bucket.updatedAt) / 1000) * bucket.rate);
    bucket.updatedAt = at;
  }

  /**
   * Reserves one check for `key` if it can start within `maxWaitMs`: returns how long to wait
   * before starting it (0: now), or null when it would wait longer (nothing is reserved).
   */
  reserve(key: string, maxWaitMs = Number.POSITIVE_INFINITY): number | null {
    const bucket = this.bucket(key);
    const waitMs = bucket.tokens >= 1 ? 0 : Math.ceil(((1 - bucket.tokens) / bucket.rate) * 1000);
    if (waitMs > maxWaitMs) return null;
    bucket.tokens -= 1;
    return waitMs;
  }

  /** How long until `key` could start a check, without reserving one. */
  waitMs(key: string): number {
    const bucket = this.bucket(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil(((1 - bucket.tokens) / bucket.rate) * 1000);
  }

  /** A check for `key` met throttling: halve its rate (to the floor) and stay slow for a while. */
  throttled(key: string): void {
    const bucket = this.bucket(key);
    bucket.rate = Math.max(this.floorRate, bucket.rate / 2);
    bucket.tokens = Math.min(bucket.tokens, this.capacity(bucket.rate));
    bucket.calmUntil = this.options.now() + this.penaltyMs;
  }

  /** The current rate of `key`'s bucket (checks per second). */
  rate(key: string): number {
    return this.bucket(key).rate;
  }
}

/**
 * The bucket a check belongs to: the customer's account and the Region, read from a key ARN
 * (arn:<partition>:kms:<region>:<account>:key/<id>). Anything else gets its own bucket.
 */
export function limiterKeyFor(keyArn: string | null, fallbackRegion: string): string {
  const parts = keyArn?.split(":") ?? [];
  const region = parts[3] || fallbackRegion;
  const account = parts[4] || "unknown";
  return `${account}|${region}`;
}
