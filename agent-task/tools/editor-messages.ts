/**
 * What the text editor says when it cannot do what the model asked: each error names the path,
 * the reason, and what to do instead (usually: use the bash tool).
 */
import type { FsResponse } from './fs-helper.js';
import { formatCount } from './output-limit.js';
import { toolError, type ToolOutcome } from './tool.js';

export function refusal(
  res: Extract<FsResponse, { ok: false }>,
  path: string,
  workspace: string,
): ToolOutcome {
  switch (res.code) {
    case 'OUTSIDE':
      return toolError(
        `The path ${path} is outside the workspace ${workspace}; only files in the workspace can be used.`,
      );
    case 'OUTSIDE_LINK':
      return toolError(
        `The path ${path} resolves through a symbolic link to ${res.real ?? 'a location'}, which is outside the workspace ${workspace}; only files in the workspace can be used.`,
      );
    case 'ENOENT':
      return toolError(`The path ${path} does not exist. Check it with \`view\` on its directory.`);
    case 'EACCES':
    case 'EPERM':
      return toolError(`Permission denied: ${path}.`);
    case 'EISDIR':
      return toolError(`${path} is a directory; this command needs a file.`);
    case 'ENOTDIR':
      return toolError(`A component of ${path} is not a directory.`);
    case 'NOT_FILE':
      return toolError(
        `${path} is not a regular file (a device, socket or FIFO); the editor works on regular files.`,
      );
    case 'ELOOP':
      return toolError(`${path} has too many levels of symbolic links.`);
    case 'NOT_TEXT':
      return toolError(
        res.binary ? binaryMessage(path, res.size ?? 0, res.magic ?? '', 'edit') : notUtf8Message(path),
      );
    default:
      return toolError(`The editor could not use ${path}: ${res.message}`);
  }
}

export function binaryMessage(
  path: string,
  size: number,
  magic: string,
  use: 'view' | 'edit' = 'view',
): string {
  const what =
    use === 'view'
      ? 'the editor shows text files only'
      : 'the editor edits UTF-8 text files only and left it unchanged';
  return (
    `${path} is a binary file (${describeSize(size)}, ${binaryType(magic)}); ${what}. ` +
    'Inspect it with the bash tool (for example `file` or `xxd | head`).'
  );
}

export function notUtf8Message(path: string): string {
  return (
    `${path} is not valid UTF-8 text (another encoding, such as Latin-1, or binary data); the editor ` +
    'edits UTF-8 text files only and left it unchanged. Edit it with the bash tool instead (for example ' +
    '`sed`, or `iconv` to convert it first), so its encoding is kept.'
  );
}

export function tooLargeMessage(path: string, size: number, limit: number): string {
  return (
    `${path} is ${describeSize(size)}, more than the ${describeSize(limit)} the editor handles. ` +
    "Work on it with the bash tool (for example `sed -n '1,200p'` or `grep -n`)."
  );
}

function describeSize(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB (${formatCount(bytes)} bytes)`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB (${formatCount(bytes)} bytes)`;
}

const MAGIC: Array<[string, string]> = [
  ['89504e47', 'PNG image'],
  ['ffd8ff', 'JPEG image'],
  ['47494638', 'GIF image'],
  ['25504446', 'PDF document'],
  ['504b0304', 'zip archive'],
  ['1f8b', 'gzip archive'],
  ['7f454c46', 'ELF executable'],
  ['0061736d', 'WebAssembly module'],
  ['cafebabe', 'Java class or Mach-O file'],
  ['52494646', 'RIFF media file'],
  ['53514c69746520666f726d6174', 'SQLite database'],
];

function binaryType(magic: string): string {
  return MAGIC.find(([prefix]) => magic.startsWith(prefix))?.[1] ?? 'unknown binary type';
}
