import { createHmac } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DEFAULTS } from '../../config/config';
import { deriveKey, parseSecretKey, type SecretKeys } from '../../secrets/secrets';

/** 22 base64url characters: 132 bits of an HMAC-SHA256, unguessable and short enough for an SMS-length link. */
export const TRACKED_LINK_TOKEN = /^[A-Za-z0-9_-]{22}$/;
const TOKEN_CHARS = 22;
/** Derives the links' own key from the secrets key, so the sealing key itself never signs anything public. */
const KEY_PURPOSE = 'recado tracked links v1';

export interface TrackedLinkRow {
  token: string;
  notification_id: string;
  url: string;
  clicks: number;
  first_clicked_at: Date | null;
  last_clicked_at: Date | null;
}

/**
 * The secrets key the environment gives (RECADO_SECRET_KEY, the dev default locally; production
 * refuses to start without it), for callers that construct TrackedLinks without the config.
 */
function keysFromEnv(): SecretKeys {
  const key = parseSecretKey(process.env.RECADO_SECRET_KEY || DEFAULTS.RECADO_SECRET_KEY);
  if (!key) throw new Error('RECADO_SECRET_KEY: must be 32 bytes as 64 hex digits or base64');
  return { current: { id: process.env.RECADO_SECRET_KEY_ID || DEFAULTS.RECADO_SECRET_KEY_ID, key }, previous: [] };
}

/**
 * Links in funnel messages go out as recado's redirect (GET /r/{token}) so clicks are counted.
 * The token is an HMAC of (notification, url) under a server key: the same message rendered again
 * (a retried activity) gets the same links, and nobody can forge or enumerate them.
 */
export class TrackedLinks {
  private readonly key: Buffer;

  constructor(
    private readonly pool: Pool,
    private readonly publicUrl: string,
    keys: SecretKeys = keysFromEnv(),
  ) {
    this.key = deriveKey(keys.current, KEY_PURPOSE);
  }

  token(notificationId: string, url: string): string {
    return createHmac('sha256', this.key).update(`${notificationId}\n${url}`).digest('base64url').slice(0, TOKEN_CHARS);
  }

  /** Rewrites the links of one notification; `links()` lists those to `save` with it. */
  linker(notificationId: string): { link(url: string): string; links(): Array<{ token: string; url: string }> } {
    const made = new Map<string, string>();
    const base = this.publicUrl.replace(/\/+$/, '');
    return {
      link: (url: string) => {
        // Only web links are tracked: tel:, mailto: and anything odd go out as they are, never through our redirect.
        if (!/^https?:\/\/[^\s]+$/i.test(url)) return url;
        const token = this.token(notificationId, url);
        made.set(token, url);
        return `${base}/r/${token}`;
      },
      links: () => [...made].map(([token, url]) => ({ token, url })),
    };
  }

  async save(db: PoolClient, notificationId: string, links: Array<{ token: string; url: string }>): Promise<void> {
    if (links.length === 0) return;
    await db.query(
      `INSERT INTO tracked_links (token, notification_id, url)
       SELECT t, $1, u FROM unnest($2::text[], $3::text[]) AS l(t, u)
       ON CONFLICT DO NOTHING`,
      [notificationId, links.map((l) => l.token), links.map((l) => l.url)],
    );
  }

  /** Counts a click and marks the notification clicked (first click only); undefined for an unknown token. */
  async click(token: string, at: Date = new Date()): Promise<string | undefined> {
    if (!TRACKED_LINK_TOKEN.test(token)) return undefined;
    const { rows } = await this.pool.query<{ url: string }>(
      `WITH link AS (
         UPDATE tracked_links SET clicks = clicks + 1, first_clicked_at = coalesce(first_clicked_at, $2), last_clicked_at = $2
          WHERE token = $1 RETURNING url, notification_id
       ), marked AS (
         UPDATE notifications n SET clicked_at = $2 FROM link WHERE n.id = link.notification_id AND n.clicked_at IS NULL
       )
       SELECT url FROM link`,
      [token, at],
    );
    return rows[0]?.url;
  }
}
