/** The `nightshift` command's entry (bin/nightshift.js loads it): wiring only, see cli.ts. */
import { existsSync } from 'node:fs';
import { runCli } from './cli.js';
import { StoreBusyError, dataDir, isStoreBusy } from './connect.js';
import { processIo } from './io.js';

const io = processIo();
if (existsSync('.env')) process.loadEnvFile('.env');
// The AWS SDK warns on every start under Node 20 about its future requirements; package.json
// supports Node 20, so the warning is noise on a terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// dynalite throws a LevelDB folder it could not lock from its request handler, out of reach of any
// try/catch: say what it means instead of a stack trace.
process.on('uncaughtException', (error) => {
  const message = isStoreBusy(error) ? new StoreBusyError(dataDir(io.env, io.cwd)).message : error.stack;
  process.stderr.write(`nightshift: ${message}\n`);
  process.exit(1);
});

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
// A keep-alive socket or a child's pipe must not keep the command from ending.
setTimeout(() => process.exit(code), 3000).unref();
