// Built by build.mjs into miniprogram_npm: the development login (dev/dev-login.ts) in a development
// build, `devLogin: undefined` in a release build.
declare module '@scanpush/dev-login' {
  import type { SessionResponse } from '@scanpush/shared';
  export const devLogin: ((post: <T>(path: string, body: object) => Promise<T>) => Promise<SessionResponse>) | undefined;
}
