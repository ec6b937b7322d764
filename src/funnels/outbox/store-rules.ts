import { InvalidFieldError } from '../../common/errors';
import { isoDurationMs } from '../../common/iso-duration';
import type { StoreRules } from '../model';
import { minutesOf } from './zones';

/** Bounds of a store's rules (README "Dispatch rules"). */
export const FREQUENCY_CAP_RANGE = { min: 1, max: 100 } as const;
const MAX_KEYWORD_RULES = 50;
const MAX_WORDS = 50;
const MAX_WORD_LENGTH = 60;
/** A day: longer intervals would stall an instance for good. */
const MAX_INTERVAL_MS = 86_400_000;

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The whole StoreRules object, checked field by field; the first error names its field
 * (`quiet_hours.start`, `keywords[0].callback_url`). Returns the rules as saved: known fields only.
 */
export function validateStoreRules(input: unknown): StoreRules {
  if (!isObject(input)) throw new InvalidFieldError('(body)', 'must be a JSON object of rules');
  const known = ['min_interval', 'frequency_cap', 'quiet_hours', 'keywords'];
  for (const key of Object.keys(input)) if (!known.includes(key)) throw new InvalidFieldError(key, `is not a rule; rules are ${known.join(', ')}`);
  const rules: StoreRules = {};

  if (input.min_interval !== undefined && input.min_interval !== null) {
    const text = typeof input.min_interval === 'string' ? input.min_interval.trim().toUpperCase() : '';
    const ms = isoDurationMs(text);
    if (ms === undefined) throw new InvalidFieldError('min_interval', 'must be an ISO 8601 duration such as PT20S or PT1M');
    if (ms > MAX_INTERVAL_MS) throw new InvalidFieldError('min_interval', 'must be at most P1D');
    rules.min_interval = text;
  }

  if (input.frequency_cap !== undefined && input.frequency_cap !== null) {
    const cap = input.frequency_cap;
    if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < FREQUENCY_CAP_RANGE.min || cap > FREQUENCY_CAP_RANGE.max) {
      throw new InvalidFieldError('frequency_cap', `must be a whole number from ${FREQUENCY_CAP_RANGE.min} to ${FREQUENCY_CAP_RANGE.max}`);
    }
    rules.frequency_cap = cap;
  }

  if (input.quiet_hours !== undefined) {
    const q = input.quiet_hours;
    if (q === null) rules.quiet_hours = null;
    else {
      if (!isObject(q)) throw new InvalidFieldError('quiet_hours', 'must be an object {start, end, transactional?} or null');
      for (const key of Object.keys(q)) if (!['start', 'end', 'transactional'].includes(key)) throw new InvalidFieldError(`quiet_hours.${key}`, 'is not a quiet-hours field');
      for (const key of ['start', 'end'] as const) {
        if (typeof q[key] !== 'string' || minutesOf(q[key]) === null) throw new InvalidFieldError(`quiet_hours.${key}`, 'must be HH:MM (00:00 to 23:59)');
      }
      if (q.transactional !== undefined && typeof q.transactional !== 'boolean') throw new InvalidFieldError('quiet_hours.transactional', 'must be true or false');
      if (q.start === q.end) throw new InvalidFieldError('quiet_hours.end', 'must differ from quiet_hours.start');
      rules.quiet_hours = { start: q.start as string, end: q.end as string, ...(q.transactional !== undefined ? { transactional: q.transactional } : {}) };
    }
  }

  if (input.keywords !== undefined && input.keywords !== null) {
    if (!Array.isArray(input.keywords)) throw new InvalidFieldError('keywords', 'must be an array');
    if (input.keywords.length > MAX_KEYWORD_RULES) throw new InvalidFieldError('keywords', `must have at most ${MAX_KEYWORD_RULES} entries`);
    rules.keywords = input.keywords.map((k: unknown, i) => {
      const at = `keywords[${i}]`;
      if (!isObject(k)) throw new InvalidFieldError(at, 'must be an object {words, callback_url?, open_conversation?}');
      for (const key of Object.keys(k)) if (!['words', 'callback_url', 'open_conversation'].includes(key)) throw new InvalidFieldError(`${at}.${key}`, 'is not a keyword field');
      if (!Array.isArray(k.words) || k.words.length === 0 || k.words.length > MAX_WORDS) {
        throw new InvalidFieldError(`${at}.words`, `must be a list of 1 to ${MAX_WORDS} words`);
      }
      k.words.forEach((w: unknown, j) => {
        if (typeof w !== 'string' || w.trim() === '' || w.length > MAX_WORD_LENGTH) {
          throw new InvalidFieldError(`${at}.words[${j}]`, `must be a non-empty text of at most ${MAX_WORD_LENGTH} characters`);
        }
      });
      if (k.callback_url !== undefined && !isHttpUrl(k.callback_url)) throw new InvalidFieldError(`${at}.callback_url`, 'must be an https or http URL');
      if (k.open_conversation !== undefined && typeof k.open_conversation !== 'boolean') {
        throw new InvalidFieldError(`${at}.open_conversation`, 'must be true or false');
      }
      return {
        words: (k.words as string[]).map((w) => w.trim()),
        ...(k.callback_url !== undefined ? { callback_url: k.callback_url as string } : {}),
        ...(k.open_conversation !== undefined ? { open_conversation: k.open_conversation as boolean } : {}),
      };
    });
  }
  return rules;
}
