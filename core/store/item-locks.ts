/**
 * Exclusive locks by identity (for the embedded store: one per item, `[table, [key values]]`).
 *
 * A request names all the identities it needs at once and joins every one's queue in the same
 * step; it is granted when it is first in all of them. Queues are first-come, first-served, so
 * requests on one identity run in arrival order, and since every queue orders requests the same
 * way (by arrival) the earliest request still waiting is always next in all of its queues once
 * the holders ahead of it release: two requests can never wait for each other (no deadlock).
 * Requests whose identities do not overlap never wait for each other at all.
 */
export type Release = () => void;

interface Request {
  identities: string[];
  granted: boolean;
  grant: () => void;
}

export class ItemLocks {
  /** Per identity, the holder (if any, first) and the requests waiting behind it, in arrival order. */
  private readonly queues = new Map<string, Request[]>();

  /**
   * Resolves, once every identity is held, with a function that releases them all (calling it
   * more than once is harmless). Duplicate identities count once; none resolves at once.
   */
  acquire(identities: readonly string[]): Promise<Release> {
    return new Promise<Release>((resolve) => {
      const request: Request = {
        identities: [...new Set(identities)],
        granted: false,
        grant: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.release(request);
          });
        },
      };
      for (const identity of request.identities) {
        const queue = this.queues.get(identity);
        if (queue) queue.push(request);
        else this.queues.set(identity, [request]);
      }
      this.tryGrant(request);
    });
  }

  /** Whether any request holds or waits for this identity. */
  isLocked(identity: string): boolean {
    return this.queues.has(identity);
  }

  get state(): { held: number; waiting: number } {
    const requests = new Set<Request>();
    for (const queue of this.queues.values()) for (const request of queue) requests.add(request);
    let held = 0;
    for (const request of requests) if (request.granted) held++;
    return { held, waiting: requests.size - held };
  }

  private tryGrant(request: Request): void {
    if (request.granted) return;
    if (!request.identities.every((identity) => this.queues.get(identity)?.[0] === request)) return;
    request.granted = true;
    request.grant();
  }

  private release(request: Request): void {
    const next: Request[] = [];
    for (const identity of request.identities) {
      const queue = this.queues.get(identity);
      if (!queue) continue;
      queue.shift(); // a granted request is first in each of its queues
      const head = queue[0];
      if (head) next.push(head);
      else this.queues.delete(identity);
    }
    for (const head of next) this.tryGrant(head);
  }
}
