/**
 * `npm run demo`: the whole flow on this machine, with no GitHub App and no Anthropic key. It
 * starts the loopback stand-ins of GitHub and of the model (scripted), `npm start`'s server
 * pointed at them, labels an issue, and leaves the app and the status page up until Ctrl-C, which
 * stops every process it started and removes every folder it made.
 *
 *   npm run demo                 the demo; Ctrl-C ends it
 *   npm run demo -- --exit       run the flow, clean up, exit 0 when it did what it shows
 *   npm run demo -- --verbose    also print the server's log as it comes
 *
 * Wiring only: the flow is scripts/demo/run-demo.ts, what it starts scripts/demo/world.ts.
 * package.json runs it with `node --import tsx`, not tsx's CLI: the CLI relays Ctrl-C to its child
 * and SIGKILLs it unless it answers within tens of milliseconds, which a busy machine misses, and
 * then nothing would be cleaned up.
 */
import { parseArgs } from 'node:util';
import { Printer, printWhereToLook } from './demo/report.js';
import { runDemo } from './demo/run-demo.js';
import { startWorld } from './demo/world.js';

const USAGE = 'usage: npm run demo [-- --exit] [--verbose]';

function options(): { exit: boolean; verbose: boolean } {
  try {
    const { values } = parseArgs({
      options: { exit: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } },
    });
    return values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

/** What waits for Ctrl-C: `stop` ends the process. */
const untilStopped = new Promise<number>(() => undefined);

async function main(): Promise<number> {
  const { exit, verbose } = options();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const out = new Printer(process.stdout);
  out.line('Starting the demo: the stand-ins of GitHub and of the model, then the app…');
  const starting = startWorld(verbose ? { serverLog: process.stderr } : {});
  // Ctrl-C at any moment, the start included, takes down whatever was started.
  const stopping = new AbortController();
  const stop = (code: number) => {
    if (stopping.signal.aborted) return;
    out.line(
      '\nStopping the demo: cancelling the task, then the app and the stand-ins; removing its folders…',
    );
    out.mute();
    stopping.abort();
    void starting
      .then((world) => world.close())
      .catch(() => undefined)
      .then(() => {
        process.stdout.write('Stopped.\n');
        process.exit(code);
      });
  };
  process.on('SIGINT', () => stop(130));
  process.on('SIGTERM', () => stop(143));

  const world = await starting;
  const outcome = await runDemo(world, out, stopping.signal).catch(async (error: unknown) => {
    if (stopping.signal.aborted) return undefined; // stopped mid-flow: stop() ends the process
    await world.close();
    throw error;
  });
  if (!outcome || stopping.signal.aborted) return untilStopped;
  if (exit) {
    await world.close();
    out.line(
      outcome.ok ? 'The demo ran through; all it started is stopped and removed.' : 'The demo failed.',
    );
    return outcome.ok ? 0 : 1;
  }
  printWhereToLook(out, world, outcome);
  out.line(`The app keeps running. Ctrl-C stops it and the stand-ins, and removes ${world.root}.`);
  return untilStopped; // the servers keep the process alive
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
