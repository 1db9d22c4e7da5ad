/**
 * The dashboard's two cookies, both made and checked here with one key from Secrets Manager:
 *
 * - the session: who signed in (login, id), until when, and their GitHub user token, which the
 *   pages need to ask GitHub what the person can read. The token is encrypted (AES-256-GCM), the
 *   whole value signed (HMAC-SHA256); nothing is stored server-side, so a Lambda container needs
 *   no shared state.
 * - the sign-in's `state`: a random value sent to GitHub and kept in a short-lived cookie of this
 *   browser, so that a callback is accepted only in the browser that started it (a login CSRF
 *   guard), with where to go once signed in.
 *
 * Each MAC names its purpose, so one kind of cookie is never accepted as the other; MACs and
 * states are compared in constant time. Two keys are derived from the secret (HKDF), one to sign,
 * one to encrypt.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export const SESSION_COOKIE = '__Host-nightshift_session';
export const STATE_COOKIE = '__Host-nightshift_oauth_state';

/** The shortest session key accepted (characters); the stack generates 64. */
export const MIN_SESSION_KEY_LENGTH = 32;

export interface Session {
  login: string;
  userId: number;
  /** The GitHub App user access token. */
  token: string;
  /** Epoch milliseconds; past it the cookie is refused. */
  expiresAt: number;
}

export interface SignInState {
  state: string;
  /** A path of this site to return to. */
  next: string;
  expiresAt: number;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when two strings are equal, in time that does not depend on where they differ. */
export function sameText(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a), Buffer.from(b));
}

export class SessionCookies {
  private readonly signKey: Buffer;
  private readonly encryptKey: Buffer;

  constructor(secret: string) {
    if (secret.length < MIN_SESSION_KEY_LENGTH)
      throw new Error(`the dashboard's session key must be at least ${MIN_SESSION_KEY_LENGTH} characters`);
    const derive = (info: string) =>
      Buffer.from(hkdfSync('sha256', secret, 'nightshift-dashboard', info, 32));
    this.signKey = derive('sign');
    this.encryptKey = derive('encrypt');
  }

  seal(session: Session): string {
    const claims = b64(JSON.stringify({ l: session.login, u: session.userId, e: session.expiresAt }));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptKey, iv);
    cipher.setAAD(Buffer.from(claims));
    const sealed = Buffer.concat([
      iv,
      cipher.update(session.token, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const body = `${claims}.${b64(sealed)}`;
    return `${body}.${this.mac('session', body)}`;
  }

  /** The session in a cookie value, or undefined when it is malformed, forged or expired. */
  open(value: string | undefined, now: number): Session | undefined {
    const body = this.verified('session', value);
    if (body === undefined) return undefined;
    const [claims = '', sealed = ''] = body.split('.');
    try {
      const { l, u, e } = JSON.parse(unb64(claims).toString()) as { l: unknown; u: unknown; e: unknown };
      if (typeof l !== 'string' || typeof u !== 'number' || typeof e !== 'number' || e <= now)
        return undefined;
      const bytes = unb64(sealed);
      const decipher = createDecipheriv('aes-256-gcm', this.encryptKey, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(claims));
      decipher.setAuthTag(bytes.subarray(-16));
      const token = Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]).toString();
      return { login: l, userId: u, token, expiresAt: e };
    } catch {
      return undefined;
    }
  }

  signState(state: SignInState): string {
    const body = b64(JSON.stringify({ s: state.state, n: state.next, e: state.expiresAt }));
    return `${body}.${this.mac('state', body)}`;
  }

  openState(value: string | undefined, now: number): SignInState | undefined {
    const body = this.verified('state', value);
    if (body === undefined) return undefined;
    try {
      const { s, n, e } = JSON.parse(unb64(body).toString()) as { s: unknown; n: unknown; e: unknown };
      if (typeof s !== 'string' || typeof n !== 'string' || typeof e !== 'number' || e <= now)
        return undefined;
      return { state: s, next: n, expiresAt: e };
    } catch {
      return undefined;
    }
  }

  private mac(purpose: string, body: string): string {
    return b64(createHmac('sha256', this.signKey).update(`${purpose}\n${body}`).digest());
  }

  /** The signed part of a value whose MAC is right for `purpose`. */
  private verified(purpose: string, value: string | undefined): string | undefined {
    if (!value) return undefined;
    const at = value.lastIndexOf('.');
    if (at <= 0) return undefined;
    const body = value.slice(0, at);
    return sameBytes(unb64(value.slice(at + 1)), unb64(this.mac(purpose, body))) ? body : undefined;
  }
}
