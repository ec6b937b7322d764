import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './signature';

const SECRET = 'recado-dev-app-secret';
const BODY = '{"object":"whatsapp_business_account","entry":[]}';

describe('webhook signatures', () => {
  it('signs the raw body as sha256=<hex HMAC-SHA256 with the app secret>', () => {
    const expected = createHmac('sha256', SECRET).update(BODY).digest('hex');
    expect(signWebhook(BODY, SECRET)).toBe(`sha256=${expected}`);
    expect(signWebhook(Buffer.from(BODY), SECRET)).toBe(`sha256=${expected}`);
  });

  it('accepts a correct signature for string and Buffer bodies, in either hex case', () => {
    const header = signWebhook(BODY, SECRET);
    expect(verifyWebhookSignature(BODY, header, SECRET)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(BODY), header, SECRET)).toBe(true);
    expect(verifyWebhookSignature(BODY, `sha256=${header.slice(7).toUpperCase()}`, SECRET)).toBe(true);
  });

  it('rejects a tampered body, another secret, and a re-serialized body', () => {
    const header = signWebhook(BODY, SECRET);
    expect(verifyWebhookSignature(BODY.replace('[]', '[{}]'), header, SECRET)).toBe(false);
    expect(verifyWebhookSignature(BODY + ' ', header, SECRET)).toBe(false);
    expect(verifyWebhookSignature(BODY, signWebhook(BODY, 'another-secret'), SECRET)).toBe(false);
    expect(verifyWebhookSignature(JSON.stringify(JSON.parse(BODY), null, 2), header, SECRET)).toBe(false);
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['no sha256= prefix', createHmac('sha256', SECRET).update(BODY).digest('hex')],
    ['sha1 signature', `sha1=${createHmac('sha1', SECRET).update(BODY).digest('hex')}`],
    ['truncated hex', signWebhook(BODY, SECRET).slice(0, 40)],
    ['non-hex characters', `sha256=${'z'.repeat(64)}`],
  ])('returns false (never throws) for a %s', (_label, header) => {
    expect(verifyWebhookSignature(BODY, header, SECRET)).toBe(false);
  });

  it('returns false when the app secret is empty', () => {
    expect(verifyWebhookSignature(BODY, signWebhook(BODY, ''), '')).toBe(false);
  });
});
