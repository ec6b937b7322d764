import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Reads one configuration section's variables: each falls back to its documented default when
 * unset or empty, and a bad value stops start-up with a message naming the variable.
 */
export function envReader<K extends string>(env: Env, defaults: Record<K, string>) {
  const get = (name: K): string => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : defaults[name];
  };
  return {
    get,
    /** An http(s) URL, without trailing slashes. */
    httpUrl(name: K): string {
      const value = get(name);
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new ConfigError(name, `is not a valid URL: "${value}"`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(name, `must use http: or https:, got "${parsed.protocol}"`);
      return value.replace(/\/+$/, '');
    },
    /** A duration like 500ms, 30s, 10m, 2h or 1d, in milliseconds, at least `minMs`. */
    ms(name: K, minMs = 0): number {
      const value = get(name);
      const match = DURATION.exec(value);
      if (!match) throw new ConfigError(name, `must be a duration like 500ms, 30s, 10m or 2h, got "${value}"`);
      const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
      if (ms < minMs) throw new ConfigError(name, `must be at least ${minMs} ms, got "${value}"`);
      return ms;
    },
    int(name: K, min: number, max = Number.MAX_SAFE_INTEGER): number {
      const value = get(name);
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(name, `must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got "${value}"`);
      }
      return n;
    },
    oneOf<T extends string>(name: K, values: readonly T[]): T {
      const value = get(name);
      if (!values.includes(value as T)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${value}"`);
      return value as T;
    },
    /** on/off or true/false; `unset` when the variable and its default are empty. */
    flag(name: K, unset: boolean): boolean {
      const value = get(name).toLowerCase();
      if (value === '') return unset;
      if (value === 'on' || value === 'true') return true;
      if (value === 'off' || value === 'false') return false;
      throw new ConfigError(name, `must be on or off (true or false), got "${get(name)}"`);
    },
  };
}
