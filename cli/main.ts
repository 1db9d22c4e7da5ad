/** The `nightshift` command's entry (bin/nightshift.js loads it): wiring only, see cli.ts. */
import { existsSync } from 'node:fs';
import { runCli } from './cli.js';
import { processIo } from './io.js';

const io = processIo();
if (existsSync('.env')) process.loadEnvFile('.env');
// The AWS SDK warns on every start under Node 20 about its future requirements (eight lines, on
// every command); package.json's engines already ask for Node 22, and `npm start` says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
// A keep-alive socket or a child's pipe must not keep the command from ending.
setTimeout(() => process.exit(code), 3000).unref();
