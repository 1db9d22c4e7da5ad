/**
 * A first-come, first-served shared/exclusive gate. The embedded store runs every ordinary request
 * under a shared hold and each transaction under an exclusive one, which makes transactions atomic
 * and isolated from everything else.
 */
export type Release = () => void;

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

export class Gate {
  private shared = 0;
  private exclusive = false;
  private readonly waiters: Waiter[] = [];

  /** Resolves with a function that releases the hold (calling it more than once is harmless). */
  acquire(exclusive: boolean): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.waiters.push({
        exclusive,
        grant: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            if (exclusive) this.exclusive = false;
            else this.shared--;
            this.pump();
          });
        },
      });
      this.pump();
    });
  }

  get state(): { shared: number; exclusive: boolean; waiting: number } {
    return { shared: this.shared, exclusive: this.exclusive, waiting: this.waiters.length };
  }

  /** Grant holds in arrival order; a waiting exclusive hold stops later shared ones from overtaking it. */
  private pump(): void {
    for (;;) {
      const next = this.waiters[0];
      if (!next || this.exclusive) return;
      if (next.exclusive && this.shared > 0) return;
      this.waiters.shift();
      if (next.exclusive) this.exclusive = true;
      else this.shared++;
      next.grant();
    }
  }
}
