// localStorage may be missing or throw (private windows, storage disabled): the console then simply
// forgets between visits instead of failing.
const PREFIX = 'scanpush.console.';

export function load(key: string): string | undefined {
  try {
    return window.localStorage.getItem(PREFIX + key) ?? undefined;
  } catch {
    return undefined;
  }
}

export function save(key: string, value: string): void {
  try {
    if (value === '') window.localStorage.removeItem(PREFIX + key);
    else window.localStorage.setItem(PREFIX + key, value);
  } catch {
    // Not kept: see above.
  }
}
