import { useEffect, useState } from 'preact/hooks';
import { en } from './en';
import { format } from './format';
import { pt } from './pt';

export type Lang = 'pt' | 'en';
export type MessageKey = keyof typeof pt;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { pt, en };
const HTML_LANG: Record<Lang, string> = { pt: 'pt-BR', en: 'en' };
const STORAGE_KEY = 'recado.lang';
const listeners = new Set<() => void>();

// The language is a preference, not a secret: it survives the browser session.
let current: Lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'pt';
document.documentElement.lang = HTML_LANG[current];

export const LANGS: Lang[] = ['pt', 'en'];

export function lang(): Lang {
  return current;
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return format(dictionaries[current][key], params);
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = HTML_LANG[next];
  listeners.forEach((listener) => listener());
}

/** Re-renders the calling component when the language changes; returns the language. */
export function useLang(): Lang {
  const [value, setValue] = useState(current);
  useEffect(() => {
    const listener = () => setValue(current);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return value;
}

/** Dates and numbers in the console's language. */
export function formatDate(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(HTML_LANG[current]) : t('contact.none');
}

/** Names joined as the console's language joins them ("Ana e Diego", "Ana and Diego"). */
export function formatList(items: string[]): string {
  return new Intl.ListFormat(HTML_LANG[current], { type: 'conjunction' }).format(items);
}
