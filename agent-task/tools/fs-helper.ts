/**
 * The editor's file I/O, done by a short-lived Node process running AS THE TOOL USER.
 *
 * Why a separate process: the agent-task process is root (see sandbox.ts). If it opened files on
 * the model's behalf, a symlink swapped in by one of the agent's own background commands between
 * our check and our open could make root read /proc/1/environ or overwrite a file outside the
 * workspace: a classic TOCTOU race that no amount of checking in the parent closes. Run as the
 * tool user, the worst a race can achieve is what that user's shell could do anyway, so the
 * uid, not our path checks, is the security boundary. The path checks below still matter: they
 * keep honest mistakes inside the workspace and give the model clear errors. They are, in order:
 *
 * 1. lexical: the path, absolute or relative to the workspace, normalised, lies in the workspace;
 * 2. physical: its real path (every symlink resolved, including a dangling final symlink, which
 *    `create` would otherwise write through) lies in the real workspace;
 * 3. after `open` (O_NOFOLLOW, O_NONBLOCK so a FIFO cannot hang us): the path the kernel reports
 *    for the open descriptor (/proc/self/fd/N) lies in the real workspace; otherwise nothing is
 *    read or written.
 *
 * The helper's source is a string run with `node -e`, so it works the same from tsx, vitest and a
 * bundled build, with no file to ship next to the bundle. It only does primitive operations (read,
 * list, write); the editing logic stays in text-editor.ts, in typed code.
 */
import { spawn } from 'node:child_process';
import { sandboxCommand, type ToolSandbox } from '../sandbox/sandbox.js';

export type FsRequest =
  | { op: 'read'; path: string; maxBytes: number; maxEntries: number }
  | {
      op: 'write';
      path: string;
      content: string;
      create: boolean;
      /** Refuse (code NOT_TEXT, nothing written) when the file there now is binary or not UTF-8. */
      textOnly?: boolean;
    };

export type FsFailureCode =
  | 'OUTSIDE'
  | 'OUTSIDE_LINK'
  | 'NOT_FILE'
  | 'ENOENT'
  | 'EACCES'
  | 'EPERM'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ELOOP'
  | 'EEXIST'
  | 'ENOSPC'
  | 'EROFS'
  | 'NOT_TEXT'
  | 'OTHER';

export type FsResponse =
  | { ok: true; kind: 'file'; content: string; size: number; utf8: boolean }
  | { ok: true; kind: 'binary'; size: number; magic: string }
  | { ok: true; kind: 'too-large'; size: number }
  | { ok: true; kind: 'dir'; entries: Array<{ path: string; dir: boolean }>; truncated: boolean }
  | { ok: true; kind: 'written'; created: boolean }
  | {
      ok: false;
      code: FsFailureCode;
      message: string;
      real?: string;
      /** NOT_TEXT: the file's size and first bytes (hex), and whether it looked binary. */
      size?: number;
      magic?: string;
      binary?: boolean;
    };

export class FsHelperError extends Error {
  override readonly name = 'FsHelperError';
}

const HELPER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const C = fs.constants;

class Refusal extends Error { constructor(code, extra) { super(code); this.code = code; Object.assign(this, extra); } }

function inside(root, p) {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

// realpath that also resolves paths that do not exist yet, and dangling symlinks.
function realish(p, hops) {
  try { return fs.realpathSync(p); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  let st;
  try { st = fs.lstatSync(p); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  if (st && st.isSymbolicLink()) {
    if (hops > 40) throw new Refusal('ELOOP');
    return realish(path.resolve(path.dirname(p), fs.readlinkSync(p)), hops + 1);
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  return path.join(realish(parent, hops), path.basename(p));
}

function resolveInside(ws, input) {
  const wsReal = fs.realpathSync(ws);
  const abs = path.isAbsolute(input) ? path.resolve(input) : path.resolve(ws, input);
  if (!inside(path.resolve(ws), abs) && !inside(wsReal, abs)) throw new Refusal('OUTSIDE');
  const real = realish(abs, 0);
  if (!inside(wsReal, real)) throw new Refusal('OUTSIDE_LINK', { real });
  return { wsReal, real };
}

function verifyFd(fd, wsReal) {
  let actual;
  try { actual = fs.readlinkSync('/proc/self/fd/' + fd); } catch { return; }
  if (!inside(wsReal, actual.replace(/ \(deleted\)$/, ''))) {
    fs.closeSync(fd);
    throw new Refusal('OUTSIDE_LINK', { real: actual });
  }
}

function list(dir, maxEntries) {
  const entries = [];
  let truncated = false;
  const walk = (rel, depth) => {
    let names;
    try { names = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }); } catch { return; }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      if (entries.length >= maxEntries) { truncated = true; return; }
      const p = rel === '' ? d.name : rel + '/' + d.name;
      const isDir = d.isDirectory();
      entries.push({ path: p, dir: isDir });
      if (isDir && depth < 2) walk(p, depth + 1);
    }
  };
  walk('', 1);
  return { ok: true, kind: 'dir', entries, truncated };
}

function read(req) {
  const { wsReal, real } = resolveInside(req.workspace, req.path);
  const fd = fs.openSync(real, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  verifyFd(fd, wsReal);
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return list(real, req.maxEntries);
    if (!st.isFile()) throw new Refusal('NOT_FILE');
    if (st.size > req.maxBytes) return { ok: true, kind: 'too-large', size: st.size };
    const buf = fs.readFileSync(fd);
    if (buf.subarray(0, 8192).includes(0)) {
      return { ok: true, kind: 'binary', size: buf.length, magic: buf.subarray(0, 16).toString('hex') };
    }
    let utf8 = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(buf); } catch { utf8 = false; }
    return { ok: true, kind: 'file', content: buf.toString('utf8'), size: buf.length, utf8 };
  } finally {
    try { fs.closeSync(fd); } catch {}
  }
}

function write(req) {
  let { wsReal, real } = resolveInside(req.workspace, req.path);
  let existed = true;
  try { fs.lstatSync(real); } catch (e) { if (e.code !== 'ENOENT') throw e; existed = false; }
  if (req.create && !existed) {
    fs.mkdirSync(path.dirname(real), { recursive: true });
    ({ wsReal, real } = resolveInside(req.workspace, req.path));
  }
  const access = req.textOnly ? C.O_RDWR : C.O_WRONLY;
  const fd = fs.openSync(real, access | C.O_NOFOLLOW | C.O_NONBLOCK | (req.create ? C.O_CREAT : 0), 0o666);
  try {
    verifyFd(fd, wsReal);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Refusal('NOT_FILE');
    // Checked on the descriptor we write through, before anything is truncated.
    if (req.textOnly && st.size > 0) refuseUnlessText(fd, st.size);
    const buf = Buffer.from(req.content, 'utf8');
    fs.ftruncateSync(fd, 0);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, off);
    return { ok: true, kind: 'written', created: !existed };
  } finally {
    try { fs.closeSync(fd); } catch {}
  }
}

// What a file holds now, read through the open descriptor: a NUL in its first 8 KB is binary;
// bytes that do not decode as UTF-8 (within the first 16 MB) are another encoding. Either way,
// an editor that works in UTF-8 text would destroy it: refuse.
function refuseUnlessText(fd, size) {
  const length = Math.min(size, 16 * 1024 * 1024);
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, got);
    if (n === 0) break;
    got += n;
  }
  const head = buf.subarray(0, got);
  const extra = { size, magic: head.subarray(0, 16).toString('hex') };
  if (head.subarray(0, 8192).includes(0)) throw new Refusal('NOT_TEXT', { ...extra, binary: true });
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: got < size });
  } catch {
    throw new Refusal('NOT_TEXT', { ...extra, binary: false });
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  let res;
  try {
    const req = JSON.parse(input);
    res = req.op === 'read' ? read(req) : req.op === 'write' ? write(req) : { ok: false, code: 'OTHER', message: 'unknown op' };
  } catch (e) {
    const known = ['OUTSIDE', 'OUTSIDE_LINK', 'NOT_FILE', 'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'EEXIST', 'ENOSPC', 'EROFS', 'NOT_TEXT'];
    const code = known.includes(e && e.code) ? e.code : 'OTHER';
    res = { ok: false, code, message: String((e && e.message) || e) };
    if (e && e.real) res.real = e.real;
    if (e && code === 'NOT_TEXT') Object.assign(res, { size: e.size, magic: e.magic, binary: e.binary });
  }
  process.stdout.write(JSON.stringify(res));
});
`;

export interface FsHelperOptions {
  /** Kill the helper after this long; default 30 s. */
  timeoutMs?: number;
}

/** Run one request in a helper process as the sandbox's user. Rejects only if the helper itself
 * fails (cannot start, crashes, times out); refusals and I/O errors come back as `ok: false`. */
export function runFsHelper(
  sandbox: ToolSandbox,
  request: FsRequest,
  options: FsHelperOptions = {},
): Promise<FsResponse> {
  return new Promise((resolve, reject) => {
    const {
      file,
      args,
      options: spawnOptions,
    } = sandboxCommand(sandbox, [process.execPath, '-e', HELPER_SOURCE], '/');
    const child = spawn(file, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4_000) err += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new FsHelperError(`the file helper could not be started: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      try {
        resolve(JSON.parse(text) as FsResponse);
      } catch {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new FsHelperError(`the file helper ${why}: ${err.trim() || 'no output'}`));
      }
    });
    child.stdin.end(JSON.stringify({ ...request, workspace: sandbox.workspace }));
  });
}
