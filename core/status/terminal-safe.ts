/**
 * Untrusted text (task instructions, logins, log messages) made safe to print on a terminal:
 * control characters, escape sequences among them, could otherwise move the cursor, rewrite what
 * was printed before or set the window title. Tabs and newlines stay unless `singleLine`.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const LINE_BREAKS = /[\t\n\r]+/g;

export function terminalSafe(text: string, options: { singleLine?: boolean } = {}): string {
  const once = options.singleLine ? text.replace(LINE_BREAKS, ' ') : text.replace(/\r\n?/g, '\n');
  return once.replace(CONTROL, '�');
}
