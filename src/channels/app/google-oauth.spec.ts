import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidFieldError } from '../../common/errors';
import { FcmSimulator } from '../../simulators/fcm/simulator';
import { verifyAssertion, trustedServiceAccount } from '../../simulators/fcm/oauth';
import { ChannelSendError } from '../driver';
import { FCM_SCOPE, GoogleAccessTokens, parseServiceAccount, signServiceAccountJwt } from './google-oauth';

const keyFile = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/fcm/mock.key.json'), 'utf8');
const NOW = 1732161800;

describe('service-account JWT', () => {
  it('is RS256 with the documented claims and verifies with the service account public key (the simulator verifier)', () => {
    const sa = parseServiceAccount(keyFile);
    const jwt = signServiceAccountJwt(sa, { nowSeconds: NOW });
    const [header, claims] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd' });
    expect(claims).toEqual({ iss: sa.client_email, scope: FCM_SCOPE, aud: 'https://oauth2.googleapis.com/token', iat: NOW, exp: NOW + 3600 });
    const accounts = new Map([[sa.client_email, trustedServiceAccount(JSON.parse(keyFile))]]);
    expect(verifyAssertion(jwt, accounts, { audiences: ['https://oauth2.googleapis.com/token'], nowSeconds: NOW + 10 })).toEqual({
      ok: true,
      clientEmail: sa.client_email,
      scopes: [FCM_SCOPE],
    });
    const tampered = jwt.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...claims, exp: NOW + 7200 })).toString('base64url')}.`);
    expect(verifyAssertion(tampered, accounts, { audiences: ['https://oauth2.googleapis.com/token'], nowSeconds: NOW })).toMatchObject({
      ok: false,
      description: 'Invalid JWT Signature.',
    });
  });

  it('reads the key file strictly, naming the bad field', () => {
    const base = JSON.parse(keyFile) as Record<string, unknown>;
    const field = (json: string | undefined) => {
      try {
        parseServiceAccount(json);
      } catch (err) {
        return (err as InvalidFieldError).field;
      }
      return null;
    };
    expect(field(undefined)).toBe('secrets.service_account_json');
    expect(field('{not json')).toBe('secrets.service_account_json');
    expect(field(JSON.stringify({ ...base, project_id: undefined }))).toBe('secrets.service_account_json.project_id');
    expect(field(JSON.stringify({ ...base, client_email: 'nobody' }))).toBe('secrets.service_account_json.client_email');
    expect(field(JSON.stringify({ ...base, private_key: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }))).toBe(
      'secrets.service_account_json.private_key',
    );
    expect(field(JSON.stringify({ ...base, token_uri: 'ftp://x' }))).toBe('secrets.service_account_json.token_uri');
    expect(field(JSON.stringify({ ...base, type: 'authorized_user' }))).toBe('secrets.service_account_json.type');
    expect(parseServiceAccount(keyFile).token_uri).toBe('https://oauth2.googleapis.com/token');
  });
});

describe('GoogleAccessTokens', () => {
  /** The simulator's token endpoint as a fetch. */
  function simulatorFetch(sim: FcmSimulator): typeof fetch {
    return (async (_url: string, init: RequestInit) => {
      const res = sim.handleToken(Object.fromEntries(new URLSearchParams(String(init.body))));
      return new Response(JSON.stringify(res.body), { status: res.status, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
  }

  it('exchanges once per service account until shortly before expiry, then again', async () => {
    let now = NOW * 1000;
    const sim = new FcmSimulator({ serviceAccounts: [JSON.parse(keyFile)], now: () => now });
    const tokens = new GoogleAccessTokens({ tokenUrl: 'http://sim/token', refreshMarginMs: 300_000, timeoutMs: 1000, now: () => now, fetch: simulatorFetch(sim) });
    const sa = parseServiceAccount(keyFile);
    const [a, b] = await Promise.all([tokens.get(sa), tokens.get(sa)]);
    expect(a).toBe(b);
    expect(await tokens.get(sa)).toBe(a);
    expect(sim.stats.tokenExchanges).toBe(1);
    now += (3599 - 299) * 1000;
    const renewed = await tokens.get(sa);
    expect(renewed).not.toBe(a);
    expect(sim.stats.tokenExchanges).toBe(2);
    tokens.invalidate(sa);
    await tokens.get(sa);
    expect(sim.stats.tokenExchanges).toBe(3);
  });

  it('turns a refused exchange into a non-retryable ChannelSendError with Google\'s code', async () => {
    const sim = new FcmSimulator({ serviceAccounts: [], now: () => NOW * 1000 });
    const tokens = new GoogleAccessTokens({ tokenUrl: 'http://sim/token', refreshMarginMs: 0, timeoutMs: 1000, now: () => NOW * 1000, fetch: simulatorFetch(sim) });
    const err = (await tokens.get(parseServiceAccount(keyFile)).catch((e: unknown) => e)) as ChannelSendError;
    expect(err).toBeInstanceOf(ChannelSendError);
    expect(err).toMatchObject({ retryable: false, code: 'invalid_grant' });
  });
});
