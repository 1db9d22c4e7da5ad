/**
 * Real webhook payloads from `@octokit/webhooks-examples`, copied so a test can change them.
 */
import { createRequire } from 'node:module';

type Payload = Record<string, unknown>;
interface Definition {
  name: string;
  examples: Payload[];
}

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

/** A deep copy of the first example of `name` with `action` (and matching `pick`, if given). */
export function example(
  name: string,
  action: string,
  pick: (payload: Payload) => boolean = () => true,
): Payload {
  const found = definitions
    .find((d) => d.name === name)
    ?.examples.find((e) => e.action === action && pick(e));
  if (!found) throw new Error(`no ${name}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

/** Set fields by dotted path (`'issue.state'`, `'check_run.pull_requests.0.head.ref'`); returns the payload. */
export function patch(payload: Payload, changes: Record<string, unknown>): Payload {
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let node: Record<string, unknown> = payload;
    for (const key of keys) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return payload;
}
