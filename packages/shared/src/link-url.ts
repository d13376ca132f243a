/**
 * The URLs the QR links carry (staff binding and invite links, stores' 办卡 entries), read without `URL`
 * (the mini-program's runtime has none on every base library): scheme://authority, then path, query and
 * fragment; no whitespace anywhere. Groups: 1 scheme, 2 authority, 3 path, 4 query, 5 fragment.
 */
export const LINK_URL_RE = /^(https?):\/\/([^/?#\s]+)([^?#\s]*)(\?[^#\s]*)?(?:#(\S*))?$/i;

/** scheme://host[:port], lower-cased, without the scheme's default port. */
export function normalOrigin(scheme: string, authority: string): string {
  const s = scheme.toLowerCase();
  const a = authority.toLowerCase().replace(s === 'https' ? /:443$/ : /:80$/, '');
  return `${s}://${a}`;
}
