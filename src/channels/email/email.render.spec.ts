import { InvalidFieldError } from '../../common/errors';
import type { ChannelAccountRow, MessageContent, RenderInput } from '../driver';
import { messageIdFromRecado, recadoMessageId, renderBodies, renderEmail, textToHtml, type EmailBody } from './email.render';
import { readMailboxAuth, readMailboxSettings } from './mailbox-settings';

const account: ChannelAccountRow = {
  id: '5b0c7d3e-6f1a-4c2b-9d8e-1f2a3b4c5d6e',
  account_id: '00000000-0000-4000-8000-000000000001',
  channel: 'email',
  name: 'Loja Exemplo',
  address: 'atendimento@loja.example',
  settings: {},
  secrets: null,
  created_at: new Date(0),
};
const messageId = '3f2b8c1e-9a4d-4e7f-8b6a-0c1d2e3f4a5b';

function render(content: Partial<MessageContent>, extra: Partial<RenderInput> = {}) {
  const rendered = renderEmail(
    { account, recipient: 'Maria@Example.COM', messageId, content: { text: 'Olá', subject: 'Pedido 123', ...content }, ...extra },
    { maxAttachmentBytes: 1000, fromName: 'Loja Exemplo' },
  );
  return { type: rendered.type, body: rendered.body as unknown as EmailBody };
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) return err.field;
    throw err;
  }
  throw new Error('no InvalidFieldError thrown');
}

describe('e-mail rendering', () => {
  it('sets a deterministic Message-ID from the message id and the mailbox domain, and reads it back', () => {
    const { type, body } = render({});
    expect(type).toBe('email');
    expect(body.message_id).toBe(`<recado.${messageId}@loja.example>`);
    expect(recadoMessageId(messageId, account.address)).toBe(body.message_id);
    expect(messageIdFromRecado(body.message_id)).toBe(messageId);
    expect(messageIdFromRecado('<CAF=abc@mail.gmail.com>')).toBeNull();
    expect(body.to).toBe('maria@example.com');
    expect(body.from).toEqual({ address: 'atendimento@loja.example', name: 'Loja Exemplo' });
  });

  it('renders HTML paragraphs from the same text, escaped', () => {
    const { body } = render({ text: 'Oi <Maria> & "time"\nlinha 2\n\nparágrafo 2' });
    expect(body.text).toBe('Oi <Maria> & "time"\nlinha 2\n\nparágrafo 2\n');
    expect(body.html).toContain('<p>Oi &lt;Maria&gt; &amp; &quot;time&quot;<br>\nlinha 2</p>\n<p>parágrafo 2</p>');
    expect(textToHtml('a\r\n\r\n\r\nb')).toBe('<p>a</p>\n<p>b</p>');
  });

  it('keeps a given HTML body as it is', () => {
    expect(render({ html: '<h1>Oferta</h1>' }).body.html).toBe('<h1>Oferta</h1>');
  });

  it('renders buttons with a URL as links and the others as a numbered list to answer', () => {
    const bodies = renderBodies({
      text: 'Como foi sua compra?',
      buttons: [
        { id: 'good', title: 'Ótima' },
        { id: 'track', title: 'Rastrear pedido', url: 'https://loja.example/pedido/123?a=1&b=2' },
        { id: 'bad', title: 'Ruim' },
      ] as unknown as MessageContent['buttons'],
    });
    expect(bodies.text).toBe('Como foi sua compra?\n\n1. Ótima\n2. Ruim\n\nRastrear pedido: https://loja.example/pedido/123?a=1&b=2\n');
    expect(bodies.html).toContain('<ol>\n<li>Ótima</li>\n<li>Ruim</li>\n</ol>');
    expect(bodies.html).toContain('<a href="https://loja.example/pedido/123?a=1&amp;b=2">Rastrear pedido</a>');
  });

  it('refuses a button link that is not http(s), naming the button', () => {
    expect(fieldOf(() => render({ buttons: [{ id: 'x', title: 'X', url: 'javascript:alert(1)' }] as unknown as MessageContent['buttons'] }))).toBe('content.buttons[0].url');
  });

  it('requires a one-line subject', () => {
    expect(fieldOf(() => render({ subject: undefined }))).toBe('content.subject');
    expect(fieldOf(() => render({ subject: '  ' }))).toBe('content.subject');
    expect(fieldOf(() => render({ subject: 'a\r\nBcc: victim@example.com' }))).toBe('content.subject');
  });

  it('refuses a recipient that is not an e-mail address', () => {
    expect(fieldOf(() => renderEmail({ account, recipient: 'maria@', messageId, content: { text: 'x', subject: 'y' } }, { maxAttachmentBytes: 1, fromName: null }))).toBe(
      'recipient',
    );
  });

  it('attaches media by URL, refusing what is larger than the limit', () => {
    const { body } = render({ media: { kind: 'document', url: 'https://cdn.example/files/nota%20fiscal.pdf', size_bytes: 900, caption: 'Sua nota' } });
    expect(body.attachment).toEqual({ url: 'https://cdn.example/files/nota%20fiscal.pdf', filename: 'nota fiscal.pdf', content_type: null, size_bytes: 900 });
    expect(body.text).toBe('Olá\n\nSua nota\n');
    expect(fieldOf(() => render({ media: { kind: 'image', url: 'https://cdn.example/a.png', size_bytes: 1001 } }))).toBe('content.media.size_bytes');
    expect(fieldOf(() => render({ media: { kind: 'image', url: 'file:///etc/passwd' } }))).toBe('content.media.url');
  });

  it('threads a reply: In-Reply-To the customer mail, References its chain plus it', () => {
    const { body } = render({}, { inReplyTo: { providerMessageId: '<c2@customer.example>', references: ['<recado.x@loja.example>', '<c1@customer.example>'] } });
    expect(body.in_reply_to).toBe('<c2@customer.example>');
    expect(body.references).toEqual(['<recado.x@loja.example>', '<c1@customer.example>', '<c2@customer.example>']);
    expect(render({}).body).toMatchObject({ in_reply_to: null, references: [] });
  });
});

describe('mailbox settings', () => {
  it('fills in Google and Microsoft 365 servers and names every field it refuses', () => {
    expect(readMailboxSettings({ provider: 'google' })).toMatchObject({
      smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
      imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
    });
    expect(readMailboxSettings({ provider: 'microsoft' }).smtp).toEqual({ host: 'smtp.office365.com', port: 587, security: 'starttls' });
    expect(fieldOf(() => readMailboxSettings({ imap: { host: 'imap.example.com', port: 993 } }))).toBe('settings.smtp.host');
    expect(fieldOf(() => readMailboxSettings({ smtp: { host: 'smtp.example.com', port: 0 }, imap: { host: 'imap.example.com', port: 993 } }))).toBe('settings.smtp.port');
    expect(fieldOf(() => readMailboxSettings({ smtp: { host: 'smtp.example.com', port: 25, security: 'none' }, imap: { host: 'imap.example.com', port: 993 } }))).toBe(
      'settings.smtp.security',
    );
    expect(readMailboxSettings({ smtp: { host: '127.0.0.1', port: 2525, security: 'none' }, imap: { host: '127.0.0.1', port: 1143, security: 'none' } }).imap.security).toBe('none');
  });

  it('takes a password or XOAUTH2 tokens', () => {
    const settings = readMailboxSettings({ provider: 'google' });
    expect(readMailboxAuth({ password: 'p' }, settings, 'a@b.example')).toEqual({ kind: 'password', user: 'a@b.example', password: 'p' });
    expect(readMailboxAuth({ access_token: 't', oauth_user: 'x@b.example' }, settings, 'a@b.example')).toEqual({
      kind: 'oauth2',
      user: 'x@b.example',
      accessToken: 't',
      refresh: null,
    });
    expect(readMailboxAuth({ refresh_token: 'r', client_id: 'c' }, settings, 'a@b.example')).toMatchObject({
      refresh: { refreshToken: 'r', clientId: 'c', tokenUrl: 'https://oauth2.googleapis.com/token' },
    });
    expect(fieldOf(() => readMailboxAuth({}, settings, 'a@b.example'))).toBe('secrets.password');
    expect(fieldOf(() => readMailboxAuth({ refresh_token: 'r' }, settings, 'a@b.example'))).toBe('secrets.client_id');
  });
});
