import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature on everything recado and a business's app send each other outside FCM: pushes
 * recado POSTs to the app (webhook mode) and the receipts the app POSTs back.
 *
 *   X-Recado-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the signing secret>
 *
 * The timestamp is signed with the body, so a captured request cannot be replayed after the
 * tolerance; several v1= values may be sent while a secret is being rotated.
 */
export const SIGNATURE_HEADER = 'x-recado-signature';

export function pushSignature(secret: string, rawBody: string | Buffer, unixSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, rawBody)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyPushSignature(
  header: string | undefined,
  rawBody: string | Buffer,
  secret: string,
  options: { toleranceSeconds: number; nowSeconds?: number },
): SignatureCheck {
  if (!header) return { ok: false, reason: 'X-Recado-Signature is missing' };
  let t: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (t === null) return { ok: false, reason: 'X-Recado-Signature has no t=<unix seconds>' };
  if (candidates.length === 0) return { ok: false, reason: 'X-Recado-Signature has no v1=<hex HMAC-SHA256>' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > options.toleranceSeconds) {
    return { ok: false, reason: `X-Recado-Signature t=${t} is more than ${options.toleranceSeconds}s away from now` };
  }
  const expected = Buffer.from(hmac(secret, t, rawBody), 'hex');
  const matches = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return matches ? { ok: true } : { ok: false, reason: 'X-Recado-Signature does not match the body' };
}

function hmac(secret: string, t: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
}
