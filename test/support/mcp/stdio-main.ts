/**
 * The stdio test server's entry (see test-server.ts). `--crash` writes to stderr and exits before
 * it serves. When REPORT_URL is set, it posts its SECRET_FOR_TEST variable there once it starts:
 * the side channel by which a test sees that a secret reached the server, and only the server.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { testMcpServer } from './test-server.js';

if (process.argv.includes('--crash')) {
  process.stderr.write('starting the test server\nboom: the test server cannot start (as asked)\n');
  process.exit(3);
}
const report = process.env.REPORT_URL;
if (report) {
  await fetch(report, {
    method: 'POST',
    body: JSON.stringify({ secret: process.env.SECRET_FOR_TEST ?? null, uid: process.getuid?.() }),
  });
}
await testMcpServer('stdio-test').connect(new StdioServerTransport());
