import { useEffect, useState } from 'preact/hooks';

/**
 * The agent's token lives in sessionStorage only: it goes to the API in the Authorization
 * header and never in a URL (no query string, no EventSource), so it cannot leak through
 * logs, history or referrers. Closing the tab ends the session.
 */
const TOKEN_KEY = 'recado.token';
const listeners = new Set<() => void>();

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
  listeners.forEach((listener) => listener());
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  listeners.forEach((listener) => listener());
}

/** Whether an agent is signed in; re-renders on sign-in and sign-out. */
export function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(token() !== null);
  useEffect(() => {
    const listener = () => setSignedIn(token() !== null);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return signedIn;
}
