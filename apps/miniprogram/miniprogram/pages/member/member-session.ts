import { ApiError, apiRequest, type ApiRequest } from '../../lib/api';
import { forgetSession, login, storedSession, type MemberSession } from '../../lib/session';

/**
 * The member's session on this page, and every member request made with it. An expired or revoked
 * session is renewed once however many requests (and the socket) find it gone at the same time: one
 * `wx.login`, and `onRenewed` (which restarts the socket with the new token) once.
 */
export class MemberSessionKeeper {
  private current: MemberSession | undefined;
  /** The login in flight, shared by every request and socket that found the session gone. */
  private renewal: Promise<MemberSession> | undefined;

  constructor(
    private readonly server: string,
    private readonly onRenewed: () => void,
  ) {}

  get session(): MemberSession | undefined {
    return this.current;
  }

  /** The stored session for this server if still good, else a login. */
  async open(): Promise<MemberSession> {
    this.current = storedSession(this.server) ?? (await login(this.server));
    return this.current;
  }

  /**
   * A new session after `stale` was refused, single-flight. A caller whose token was already replaced
   * gets the current session.
   */
  renew(stale: string): Promise<MemberSession> {
    if (this.current && this.current.token !== stale) return Promise.resolve(this.current);
    if (!this.renewal) {
      const renewal = (async () => {
        forgetSession();
        const session = await login(this.server);
        this.current = session;
        this.onRenewed();
        return session;
      })();
      this.renewal = renewal;
      const done = () => {
        if (this.renewal === renewal) this.renewal = undefined;
      };
      renewal.then(done, done);
    }
    return this.renewal;
  }

  /** A member request; a 401 renews the session (once for all) and tries again with the new token. */
  async call<T>(path: string, init: ApiRequest = {}): Promise<T> {
    const session = this.current;
    if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'not logged in');
    try {
      return await apiRequest<T>(this.server, path, { ...init, token: session.token });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      const renewed = await this.renew(session.token);
      return apiRequest<T>(this.server, path, { ...init, token: renewed.token });
    }
  }
}
