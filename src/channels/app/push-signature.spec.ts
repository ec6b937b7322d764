import { createHmac } from 'node:crypto';
import { pushSignature, verifyPushSignature } from './push-signature';

const SECRET = 'app-signing-secret-0123456789';
const BODY = '{"receipts":[{"message_id":"6f1c0d7e-0000-4000-8000-000000000001","event":"delivered","at":1732161800}]}';

describe('X-Recado-Signature', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as documented for app developers', () => {
    const header = pushSignature(SECRET, BODY, 1732161800);
    const expected = createHmac('sha256', SECRET).update(`1732161800.${BODY}`).digest('hex');
    expect(header).toBe(`t=1732161800,v1=${expected}`);
  });

  it('verifies its own signature and any of several v1 values (secret rotation), in any order', () => {
    const now = 1732161800;
    const good = pushSignature(SECRET, BODY, now);
    expect(verifyPushSignature(good, BODY, SECRET, { toleranceSeconds: 300, nowSeconds: now })).toEqual({ ok: true });
    const v1 = good.split('v1=')[1];
    const rotated = `v1=${'0'.repeat(64)}, t=${now}, v1=${v1}`;
    expect(verifyPushSignature(rotated, Buffer.from(BODY), SECRET, { toleranceSeconds: 300, nowSeconds: now + 10 })).toEqual({ ok: true });
  });

  it('refuses a missing header, another body, another secret and an old timestamp, saying why', () => {
    const now = 1732161800;
    const good = pushSignature(SECRET, BODY, now);
    const check = (header: string | undefined, body = BODY, secret = SECRET, at = now) =>
      verifyPushSignature(header, body, secret, { toleranceSeconds: 300, nowSeconds: at });
    expect(check(undefined)).toEqual({ ok: false, reason: 'X-Recado-Signature is missing' });
    expect(check(good, BODY.replace('delivered', 'opened'))).toEqual({ ok: false, reason: 'X-Recado-Signature does not match the body' });
    expect(check(good, BODY, 'another-secret-0123456789')).toMatchObject({ ok: false });
    expect(check(good, BODY, SECRET, now + 301)).toEqual({ ok: false, reason: expect.stringContaining('more than 300s away') });
    expect(check(`v1=${good.split('v1=')[1]}`)).toEqual({ ok: false, reason: 'X-Recado-Signature has no t=<unix seconds>' });
    expect(check(`t=${now},v1=nothex`)).toEqual({ ok: false, reason: 'X-Recado-Signature has no v1=<hex HMAC-SHA256>' });
  });
});
