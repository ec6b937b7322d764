import { AuthError, InvalidParameterError, TransportError, WindowClosedError } from './errors';
import { WhatsAppGraphClient } from './graph-client';

interface Recorded {
  url: URL;
  init: RequestInit;
}

function fakeFetch(respond: (req: Recorded) => Response | Promise<Response>) {
  const calls: Recorded[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const req = { url: new URL(String(input)), init: init ?? {} };
    calls.push(req);
    return respond(req);
  }) as typeof fetch;
  return { impl, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const TOKEN = 'EAAG-secret-token';

function client(f: typeof fetch, extra: Partial<ConstructorParameters<typeof WhatsAppGraphClient>[0]> = {}) {
  return new WhatsAppGraphClient({ baseUrl: 'http://graph.test/', version: 'v23.0', accessToken: TOKEN, fetch: f, ...extra });
}

describe('WhatsAppGraphClient', () => {
  it('sends a message: POST /{version}/{phone-number-id}/messages with bearer token and JSON body', async () => {
    const f = fakeFetch(() => json(200, { messaging_product: 'whatsapp', contacts: [{ input: '5511', wa_id: '5511' }], messages: [{ id: 'wamid.X' }] }));
    const body = { messaging_product: 'whatsapp', to: '5511999990000', type: 'text' as const, text: { body: 'oi' }, biz_opaque_callback_data: 'order-1' };
    const res = await client(f.impl).sendMessage('1234', body);
    expect(res.messages?.[0]?.id).toBe('wamid.X');
    const [call] = f.calls;
    expect(call.url.toString()).toBe('http://graph.test/v23.0/1234/messages');
    expect(call.init.method).toBe('POST');
    expect((call.init.headers as Record<string, string>).Authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(String(call.init.body))).toEqual(body);
  });

  it('builds the other endpoints', async () => {
    const f = fakeFetch(() => json(200, { ok: true }));
    const c = client(f.impl);
    await c.getCallPermissions('1234', '5511999990000');
    await c.callAction('1234', { messaging_product: 'whatsapp', call_id: 'wacid.1', action: 'terminate' });
    await c.getSettings('1234');
    await c.updateSettings('1234', { calling: { status: 'ENABLED' } });
    await c.listMessageTemplates('waba/1', { name: 'hello_world', limit: 5 });
    await c.uploadMedia('1234', Buffer.from('png-bytes'), 'image/png', 'a.png');
    expect(f.calls.map((r) => `${r.init.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      'GET /v23.0/1234/call_permissions?user_wa_id=5511999990000',
      'POST /v23.0/1234/calls',
      'GET /v23.0/1234/settings',
      'POST /v23.0/1234/settings',
      'GET /v23.0/waba%2F1/message_templates?name=hello_world&limit=5',
      'POST /v23.0/1234/media',
    ]);
    const form = f.calls[5].init.body as FormData;
    expect(form.get('messaging_product')).toBe('whatsapp');
    expect(form.get('type')).toBe('image/png');
    expect((form.get('file') as File).name).toBe('a.png');
  });

  it('throws classified errors from Meta error bodies', async () => {
    const meta = (code: number, status = 400) =>
      fakeFetch(() => json(status, { error: { message: `(#${code}) x`, type: 'OAuthException', code, fbtrace_id: 'T1' } })).impl;
    await expect(client(meta(131047)).sendMessage('1', {} as never)).rejects.toBeInstanceOf(WindowClosedError);
    await expect(client(meta(100)).sendMessage('1', {} as never)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(client(meta(190, 401)).sendMessage('1', {} as never)).rejects.toBeInstanceOf(AuthError);
    const err = await client(meta(131047)).sendMessage('1', {} as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 131047, httpStatus: 400, fbtraceId: 'T1', retryable: false });
  });

  it('turns network failures, 5xx and timeouts into retryable TransportErrors', async () => {
    const down = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    const e1 = await client(down.impl).getSettings('1').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TransportError);
    expect((e1 as TransportError).retryable).toBe(true);

    const html = fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(client(html.impl).getSettings('1')).rejects.toBeInstanceOf(TransportError);

    const hang = fakeFetch(
      ({ init }) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const started = Date.now();
    const e3 = await client(hang.impl, { timeoutMs: 50 }).getSettings('1').catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(TransportError);
    expect((e3 as Error).message).toMatch(/timed out after 50 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never logs the access token, query values or bodies', async () => {
    const lines: string[] = [];
    const logger = { debug: (o: object, m: string) => lines.push(JSON.stringify(o) + m), warn: (o: object, m: string) => lines.push(JSON.stringify(o) + m) };
    const ok = fakeFetch(() => json(200, { messages: [{ id: 'wamid.1' }] }));
    await client(ok.impl, { logger }).sendMessage('1', { messaging_product: 'whatsapp', to: '5511999990000', type: 'text', text: { body: 'segredo do cliente' } });
    const bad = fakeFetch(() => json(400, { error: { message: 'bad', type: 'OAuthException', code: 100 } }));
    await client(bad.impl, { logger }).getCallPermissions('1', '5511999990000').catch(() => undefined);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('segredo');
      expect(line).not.toContain('5511999990000');
    }
  });
});
