/**
 * The bytes of webhook bodies held at once across the requests of one server. The cap per request
 * does not bound many requests at once (eight unfinished 24 MB bodies would be 192 MB held), so
 * they share this budget: a request takes bytes while they fit and gives all back once.
 */
export const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

export interface BodyHold {
  /** Take `bytes` more for this request; false (and nothing taken) when they do not fit. */
  take(bytes: number): boolean;
  /** Give back everything this request took; safe to call more than once. */
  release(): void;
}

export class BodyBudget {
  private used = 0;
  constructor(readonly limit: number = MAX_IN_FLIGHT_BYTES) {}

  hold(): BodyHold {
    let held = 0;
    return {
      take: (bytes) => {
        if (this.used + bytes > this.limit) return false;
        this.used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.used -= held;
        held = 0;
      },
    };
  }
}
