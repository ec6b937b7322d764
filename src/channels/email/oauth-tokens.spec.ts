import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { smtpTransport } from './mail-clients';
import { readMailboxAuth, readMailboxSettings } from './mailbox-settings';
import { MailboxTokens, OAuthRefreshError } from './oauth-tokens';

/** XOAUTH2 (Google, Microsoft 365): a refresh token exchanged at an in-process token endpoint (RFC 6749 §6). */
describe('XOAUTH2 tokens', () => {
  let server: http.Server;
  let tokenUrl: string;
  const requests: URLSearchParams[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push(new URLSearchParams(body));
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const settings = readMailboxSettings({ provider: 'microsoft' });

  it('exchanges the refresh token once and reuses the access token until it nears expiry', async () => {
    answer = { status: 200, body: { access_token: 'ya29.first', expires_in: 3599, token_type: 'Bearer' } };
    const auth = readMailboxAuth({ refresh_token: 'r-1', client_id: 'app', client_secret: 's', token_url: tokenUrl, oauth_user: 'loja@contoso.example' }, settings, 'loja@contoso.example');
    const tokens = new MailboxTokens(5000);
    expect(await tokens.login('mbx-1', auth)).toEqual({ user: 'loja@contoso.example', accessToken: 'ya29.first' });
    expect(await tokens.login('mbx-1', auth)).toEqual({ user: 'loja@contoso.example', accessToken: 'ya29.first' });
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(requests[0])).toEqual({ grant_type: 'refresh_token', refresh_token: 'r-1', client_id: 'app', client_secret: 's' });
    tokens.forget('mbx-1');
    answer = { status: 200, body: { access_token: 'ya29.second', expires_in: 3599 } };
    expect(await tokens.login('mbx-1', auth)).toEqual({ user: 'loja@contoso.example', accessToken: 'ya29.second' });
  });

  it('a revoked refresh token is a permanent failure, a token endpoint in trouble is not', async () => {
    const auth = readMailboxAuth({ refresh_token: 'r-2', client_id: 'app', token_url: tokenUrl }, settings, 'loja@contoso.example');
    answer = { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
    const revoked = await new MailboxTokens(5000).login('mbx-2', auth).catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(OAuthRefreshError);
    expect(revoked).toMatchObject({ permanent: true, message: 'token refresh refused: invalid_grant: Token has been expired or revoked.' });
    answer = { status: 503, body: {} };
    expect(await new MailboxTokens(5000).login('mbx-2', auth).catch((e: unknown) => e)).toMatchObject({ permanent: false });
  });

  it('hands nodemailer an XOAUTH2 login', () => {
    const transport = smtpTransport(settings.smtp, { user: 'loja@contoso.example', accessToken: 'ya29.x' }, 1000);
    const options = (transport as unknown as { options: { auth: unknown; requireTLS: boolean; port: number } }).options;
    expect(options).toMatchObject({ port: 587, requireTLS: true, auth: { type: 'OAuth2', user: 'loja@contoso.example', accessToken: 'ya29.x' } });
    transport.close();
  });
});
