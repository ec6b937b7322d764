import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signServiceAccountJwt } from '../../channels/app/google-oauth';
import { startFcmSimulator, type RunningFcmSimulator } from './server';
import { FcmSimulator } from './simulator';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/fcm');
const mockKey = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'mock.key.json'), 'utf8')) as {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id: string;
};
const wireMessages = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'admin-sdk-wire-messages.json'), 'utf8')) as {
  cases: Array<{ label: string; wire: { message: Record<string, unknown> } }>;
};
const docsErrors = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'docs-error-responses.json'), 'utf8')) as {
  examples: Array<{ label: string; http_status: number; body: { error: Record<string, unknown> } }>;
};

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const sa = { ...mockKey, token_uri: GOOGLE_TOKEN_URI };
const NOW = Date.UTC(2024, 10, 20, 12, 0, 0);

function simulator() {
  return new FcmSimulator({ serviceAccounts: [sa], now: () => NOW });
}

function accessToken(sim: FcmSimulator): string {
  const res = sim.handleToken({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: signServiceAccountJwt(sa, { nowSeconds: NOW / 1000 }),
  });
  expect(res.status).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

describe('FCM simulator: OAuth2 token exchange for service accounts', () => {
  it('exchanges a JWT that recado signed (RS256, iss, scope, aud, iat/exp) for a Bearer token', () => {
    const sim = simulator();
    const res = sim.handleToken({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signServiceAccountJwt(sa, { nowSeconds: NOW / 1000 }),
    });
    expect(res).toEqual({ status: 200, body: { access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' } });
  });

  it('refuses a JWT signed with another key as Google does: invalid_grant, Invalid JWT Signature.', () => {
    const sim = simulator();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signServiceAccountJwt({ ...sa, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, { nowSeconds: NOW / 1000 });
    const res = sim.handleToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: forged });
    expect(res).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } });
  });

  it('refuses stale or long-lived assertions, a wrong audience, unknown accounts and other grant types', () => {
    const sim = simulator();
    const grant = (assertion: string) => sim.handleToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    const stale = grant(signServiceAccountJwt(sa, { nowSeconds: NOW / 1000 - 7200 }));
    expect(stale.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('short-lived token (60 minutes)') });
    const wrongAud = grant(signServiceAccountJwt({ ...sa, token_uri: 'https://example.com/token' }, { nowSeconds: NOW / 1000 }));
    expect(wrongAud.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('audience') });
    const stranger = grant(signServiceAccountJwt({ ...sa, client_email: 'someone@else.iam.gserviceaccount.com' }, { nowSeconds: NOW / 1000 }));
    expect(stranger.body).toMatchObject({ error: 'invalid_grant' });
    expect(grant('not-a-jwt').status).toBe(400);
    expect(sim.handleToken({ grant_type: 'client_credentials', assertion: 'x' }).body).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('FCM simulator: projects.messages.send', () => {
  it.each(wireMessages.cases.map((c) => [c.label, c.wire] as const))('accepts what firebase-admin-node sends: %s', (_label, wire) => {
    const sim = simulator();
    const res = sim.handleSend('project_id', `Bearer ${accessToken(sim)}`, wire);
    expect(res.status).toBe(200);
    expect((res.body as { name: string }).name).toMatch(/^projects\/project_id\/messages\/.+/);
  });

  it('answers a non-string data value exactly as the FCM docs show (example 1)', () => {
    const sim = simulator();
    const example = docsErrors.examples[0];
    const res = sim.handleSend('project_id', `Bearer ${accessToken(sim)}`, { message: { token: 'mock-token', data: { score: 12 } } });
    expect(res.status).toBe(example.http_status);
    expect(res.body).toEqual(example.body);
  });

  it('answers a malformed registration token exactly as the FCM docs show (example 2)', () => {
    const sim = simulator();
    const example = docsErrors.examples[1];
    const res = sim.handleSend('project_id', `Bearer ${accessToken(sim)}`, { message: { token: 'has spaces in it' } });
    expect(res.status).toBe(example.http_status);
    expect(res.body).toEqual(example.body);
  });

  it('refuses unknown fields, two targets, no target and reserved data keys with INVALID_ARGUMENT naming the field', () => {
    const sim = simulator();
    const bearer = `Bearer ${accessToken(sim)}`;
    const unknown = sim.handleSend('project_id', bearer, { message: { token: 't', notification: { title: 'a', subtitle: 'b' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: `Invalid JSON payload received. Unknown name "subtitle" at 'message.notification': Cannot find field.`,
        details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.notification' }] }],
      },
    });
    const two = sim.handleSend('project_id', bearer, { message: { token: 't', topic: 'news' } });
    expect(two.body).toMatchObject({ error: { message: expect.stringContaining("Oneof field 'target' is already set") } });
    const none = sim.handleSend('project_id', bearer, { message: { notification: { title: 'a' } } });
    expect(none.body).toMatchObject({ error: { message: 'Recipient of the message is not set.' } });
    const reserved = sim.handleSend('project_id', bearer, { message: { token: 't', data: { 'google.x': '1' } } });
    expect(reserved.body).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('google.x') } });
    const topLevel = sim.handleSend('project_id', bearer, { message: { token: 't' }, dry_run: true });
    expect(topLevel.body).toMatchObject({ error: { message: 'Invalid JSON payload received. Unknown name "dry_run": Cannot find field.' } });
    expect(sim.messages()).toHaveLength(0);
  });

  it('needs a valid Bearer token for the right project', () => {
    const sim = simulator();
    const msg = { message: { token: 't' } };
    expect(sim.handleSend('project_id', undefined, msg)).toMatchObject({ status: 401, body: { error: { status: 'UNAUTHENTICATED' } } });
    expect(sim.handleSend('project_id', 'Bearer ya29.made-up', msg)).toMatchObject({ status: 401 });
    expect(sim.handleSend('other-project', `Bearer ${accessToken(sim)}`, msg)).toMatchObject({ status: 403, body: { error: { status: 'PERMISSION_DENIED' } } });
  });

  it('is scriptable: unregistered tokens, the next N sends failing, what was sent', () => {
    const sim = simulator();
    const bearer = `Bearer ${accessToken(sim)}`;
    sim.unregister('gone');
    const gone = sim.handleSend('project_id', bearer, { message: { token: 'gone' } });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      error: {
        code: 404,
        message: 'Requested entity was not found.',
        status: 'NOT_FOUND',
        details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }],
      },
    });
    // The Admin SDK reads the code from the FcmError detail, as the fixture of its own test shows.
    const adminShape = docsErrors.examples[2].body.error as { details: unknown[] };
    expect((gone.body as { error: { details: unknown[] } }).error.details).toEqual(adminShape.details);

    sim.addFault({ errorCode: 'QUOTA_EXCEEDED', count: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const res = sim.handleSend('project_id', bearer, { message: { token: 'a' } });
      expect(res).toMatchObject({ status: 429, headers: { 'retry-after': '7' }, body: { error: { status: 'RESOURCE_EXHAUSTED', details: [{ errorCode: 'QUOTA_EXCEEDED' }] } } });
    }
    sim.addFault({ errorCode: 'UNAVAILABLE' });
    expect(sim.handleSend('project_id', bearer, { message: { token: 'a' } })).toMatchObject({ status: 503, body: { error: { status: 'UNAVAILABLE' } } });
    sim.addFault({ errorCode: 'SENDER_ID_MISMATCH', token: 'b' });
    expect(sim.handleSend('project_id', bearer, { message: { token: 'a' } }).status).toBe(200);
    expect(sim.handleSend('project_id', bearer, { message: { token: 'b' } })).toMatchObject({ status: 403, body: { error: { details: [{ errorCode: 'SENDER_ID_MISMATCH' }] } } });
    expect(sim.messages({ token: 'a' })).toHaveLength(1);
    expect(sim.messages({ token: 'b' })).toHaveLength(0);
  });
});

describe('FCM simulator over HTTP', () => {
  let running: RunningFcmSimulator;
  beforeAll(async () => {
    running = await startFcmSimulator({ serviceAccounts: [sa] });
  });
  afterAll(() => running.close());

  it('serves the form-encoded token exchange and POST /v1/projects/{id}/messages:send', async () => {
    const tokenRes = await fetch(`${running.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signServiceAccountJwt(sa) }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const send = await fetch(`${running.url}/v1/projects/project_id/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { token: 'device-1', notification: { title: 'Oi', body: 'Seu cashback chegou' } } }),
    });
    expect(send.status).toBe(200);
    expect(await send.json()).toEqual({ name: expect.stringMatching(/^projects\/project_id\/messages\//) });
    const notJson = await fetch(`${running.url}/v1/projects/project_id/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: '{"message": ',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const listed = (await (await fetch(`${running.url}/_sim/messages?token=device-1`)).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(1);
  });
});
