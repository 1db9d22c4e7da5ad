import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub } from './index.js';
const fake = await startFakeGitHub();
const repo = await fake.addRepo({ owner: 'acme', name: 'w', files: { 'a.txt': 'a\n' } });
const dir = mkdtempSync(join(tmpdir(), 'big-'));
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x' };
const auth = ['-c', `http.extraHeader=${fake.gitAuthHeader(fake.tokenFor(repo))}`];
const run = (args: string[], cwd = dir) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
run([...auth, 'clone', '-q', repo.cloneUrl, 'c']);
writeFileSync(join(dir, 'c', 'big.bin'), randomBytes(3 * 1024 * 1024));
run(['add', '.'], join(dir, 'c')); run(['commit', '-qm', 'big'], join(dir, 'c'));
const t = Date.now();
run([...auth, 'push', '-q', 'origin', 'HEAD:big'], join(dir, 'c'));
console.log('big push ok', Date.now() - t, fake.pushes);
// delete a branch
run([...auth, 'push', '-q', 'origin', ':big'], join(dir, 'c'));
console.log(fake.pushes.at(-1));
// token without contents write can't push
const ro = fake.tokenFor(repo, { permissions: { metadata: 'read', contents: 'read' } });
try { run(['-c', `http.extraHeader=${fake.gitAuthHeader(ro)}`, 'push', '-q', 'origin', 'HEAD:x'], join(dir, 'c')); console.log('ro push succeeded?!'); } catch (e: any) { console.log('ro push refused:', String(e.stderr).trim().split('\n')[0]); }
// protocol v2 fetch
run(['-c', 'protocol.version=2', ...auth, 'fetch', '-q', 'origin'], join(dir, 'c'));
console.log('v2 fetch ok');
await fake.close();
