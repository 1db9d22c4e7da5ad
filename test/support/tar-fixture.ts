/**
 * Hand-made tar archives for abuse tests: ustar headers written byte by byte, so an archive can
 * hold what no honest `tar --create` would (a `..` member, an absolute name, a file "inside" a
 * link), compressed with the codec the agent task uses.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';

export type TarEntry =
  | { name: string; type: 'file'; body: string; mode?: number }
  | { name: string; type: 'dir' }
  | { name: string; type: 'symlink'; target: string };

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => block.write(text, offset, length, 'utf8');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  if (Buffer.byteLength(entry.name) > 100) throw new Error('tar fixture: names up to 100 bytes');
  put(entry.name, 0, 100);
  put(octal(entry.type === 'dir' ? 0o755 : entry.type === 'file' ? (entry.mode ?? 0o644) : 0o777, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put(entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156, 1);
  if (entry.type === 'symlink') put(entry.target, 157, 100);
  put('ustar\u000000', 257, 8);
  put('        ', 148, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${octal(sum, 7)}\u0000`, 148, 8);
  return block;
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.type === 'file' ? Buffer.from(entry.body) : Buffer.alloc(0);
    parts.push(header(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function compress(tar: Buffer, codec: 'zstd' | 'gzip'): Buffer {
  if (codec === 'gzip') return gzipSync(tar);
  const run = spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 64 * 2 ** 20 });
  if (run.status !== 0) throw new Error(`zstd failed: ${run.stderr.toString()}`);
  return run.stdout;
}
