/**
 * HTML for the status pages: everything from a task is untrusted (a login, a repository's name, an
 * issue title, a URL) and goes through `escapeHtml`; only http(s) URLs become links.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An http(s) URL, or undefined: a `javascript:` link must never reach an `href`. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** `<a href="…">text</a>` when `url` is http(s), else the text alone; both escaped. */
export function link(url: string | undefined, text: string, title?: string): string {
  const href = safeHref(url);
  const titled = title ? ` title="${escapeHtml(title)}"` : '';
  return href ? `<a href="${escapeHtml(href)}"${titled}>${escapeHtml(text)}</a>` : escapeHtml(text);
}

/** Content-Security-Policy for the pages: no script, no external resource, only their own style. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** Who reads the page, where people sign in (the dashboard on AWS): shown on every page. */
export interface Reader {
  login: string;
}

/**
 * The page around `body`: its title, its style, a refresh while something may change, and who is
 * signed in (with the way out) when someone is.
 */
export function htmlDocument(
  title: string,
  body: string,
  style: string,
  refreshSeconds?: number,
  reader?: Reader,
): string {
  const refresh =
    refreshSeconds === undefined ? '' : `<meta http-equiv="refresh" content="${refreshSeconds}">\n`;
  const signedIn = reader
    ? `<p class="reader">Signed in as <b>@${escapeHtml(reader.login)}</b> · <a href="/logout">Sign out</a></p>\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(STATUS_PAGE_CSP)}">
${refresh}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${signedIn}${body}
</body>
</html>
`;
}

/** How a status and a link look, the same on the list and on a task's page. */
export const STATUS_CSS = `a { color: #0969da; }
.reader { float: right; margin: 0; color: #59636e; }
.status { padding: .1rem .45rem; border-radius: 1rem; background: #eff2f5; }
.status-running, .status-dispatched { background: #ddf4ff; }
.status-succeeded { background: #dafbe1; }
.status-failed { background: #ffebe9; }
.status-refused { background: #eee6ff; }
.status-cancelled { background: #fff8c5; }`;
