import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey, type SecretKeys } from '../../secrets/secrets';

/** The links' own key, derived from the secrets key: the sealing key itself never signs anything public. */
const KEY_PURPOSE = 'recado recording playback links v1';
/** An HMAC-SHA256 in base64url. */
export const PLAYBACK_SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
/** Who asked for the link, as the download audit names them (never a key). */
export const PLAYBACK_ACTOR = /^(agent|api_key|account):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** What a playback link lets its holder do: read one recording of one account until `expires`. */
export interface PlaybackGrant {
  accountId: string;
  callId: string;
  recordingId: string;
  /** Kept in the link so every request through it is audited under whoever asked for it. */
  actor: string;
  /** Unix time, seconds. */
  expires: number;
}

export type PlaybackVerdict = { ok: true } | { ok: false; reason: 'signature' | 'expired' };

export function playbackPath(callId: string, recordingId: string): string {
  return `/v1/calls/${callId}/recordings/${recordingId}/playback`;
}

/**
 * Short-lived signed links to one recording, for players that fetch the audio themselves (an
 * `<audio src>` sends Range requests but no Authorization header, and the agent's token must
 * never be in a URL). The signature is an HMAC over (account, call, recording, actor, expiry)
 * under a key derived from the secrets key; links signed before a key rotation keep working with
 * the previous key until they expire.
 */
export class PlaybackLinks {
  /** The current key first: it signs; every key verifies. */
  private readonly keys: Buffer[];

  constructor(
    secrets: SecretKeys,
    private readonly ttlMs: number,
  ) {
    this.keys = [secrets.current, ...secrets.previous].map((k) => deriveKey(k, KEY_PURPOSE));
  }

  /** A same-origin URL (path and query, like the recordings' download_url) and when it stops working. */
  issue(grant: Omit<PlaybackGrant, 'expires'>, now = Date.now()): { url: string; expiresAt: Date } {
    const expires = Math.ceil((now + this.ttlMs) / 1000);
    const query = new URLSearchParams({
      account_id: grant.accountId,
      actor: grant.actor,
      expires: String(expires),
      signature: sign(this.keys[0], { ...grant, expires }),
    });
    return { url: `${playbackPath(grant.callId, grant.recordingId)}?${query}`, expiresAt: new Date(expires * 1000) };
  }

  /** The signature first (nothing about an unsigned link is trusted, its expiry included), then the expiry. */
  verify(grant: PlaybackGrant, signature: string, now = Date.now()): PlaybackVerdict {
    // Compared as text: base64url has several spellings of the last character's spare bits, a link has one.
    const given = PLAYBACK_SIGNATURE.test(signature) ? Buffer.from(signature, 'ascii') : undefined;
    const signed = given !== undefined && this.keys.some((key) => timingSafeEqual(Buffer.from(sign(key, grant), 'ascii'), given));
    if (!signed) return { ok: false, reason: 'signature' };
    if (now >= grant.expires * 1000) return { ok: false, reason: 'expired' };
    return { ok: true };
  }
}

function sign(key: Buffer, grant: PlaybackGrant): string {
  const message = ['v1', grant.accountId, grant.callId, grant.recordingId, grant.actor, String(grant.expires)].join('\n');
  return createHmac('sha256', key).update(message).digest('base64url');
}
