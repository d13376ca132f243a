/**
 * The scanpush server for each version of the mini-program (`envVersion`). Production needs an https
 * origin whose domain is listed as request 合法域名 and, for the socket, socket 合法域名 (see README).
 * Edit trial and release before uploading: the release build (`node build.mjs --release`, DevTools'
 * beforeUpload) refuses the placeholder and anything but https.
 *
 * A module of its own, with no `wx` in it, so build.mjs can read the same object the pages use.
 */
export const SERVERS: Record<'develop' | 'trial' | 'release', string> = {
  develop: 'http://127.0.0.1:8089',
  trial: 'https://scanpush.example.com',
  release: 'https://scanpush.example.com',
};
