import { useEffect, useState } from 'preact/hooks';

export { matchRoute } from './route-match';

/** The console lives under /console; routes are paths below it (the API answers index.html for each). */
export const BASE = '/console';
const listeners = new Set<() => void>();

function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path === '' ? '/' : path;
}

export function href(path: string): string {
  return BASE + path;
}

export function navigate(path: string): void {
  history.pushState(null, '', href(path));
  listeners.forEach((listener) => listener());
}

addEventListener('popstate', () => listeners.forEach((listener) => listener()));

/** The current path below /console, re-rendering on navigation. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const listener = () => setPath(currentPath());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return path;
}
