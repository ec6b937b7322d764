import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifySmtpError } from './email.driver';
import { decodeRawSource, derivedMessageId, encodeRawSource, firstMessageId, messageIds, readTopHeaders } from './raw-source';
import { headerBlocks, readMail } from './read-mail';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../../test/fixtures/email', name));

describe('reading mail (fixtures from mailparser and sisimai, test/fixtures/email)', () => {
  it('reads a customer mail with encoded headers, display names and attachments', async () => {
    const mail = await readMail(fixture('mailparser-nodemailer.eml'));
    expect(mail).toMatchObject({
      kind: 'message',
      messageId: '<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>',
      from: { address: 'andris@kreata.ee', name: 'Andris Kreata' },
      subject: 'Nodemailer is unicode friendly ✔ (1476358788189)',
      text: 'Hello to myself!',
    });
    if (mail.kind !== 'message') throw new Error('not a message');
    expect(mail.attachments).toContainEqual({ filename: 'nyan cat ✔.gif', content_type: 'image/gif', size: 29361 });
    expect(mail.attachments).toContainEqual({ filename: 'notes.txt', content_type: 'text/plain', size: 28 });
  });

  it('reads an Amazon SES DSN returning the whole message', async () => {
    expect(await readMail(fixture('mailparser-delivery-status.eml'))).toMatchObject({
      kind: 'bounce',
      originalMessageId: '<xxxxx@email.amazonses.com>',
      reportingMta: 'amazonses.com',
      recipients: [{ recipient: 'xxxx@xxxx.com', action: 'failed', status: '5.1.1' }],
    });
  });

  it('reads a Sendmail DSN returning only the headers (text/rfc822-headers)', async () => {
    expect(await readMail(fixture('sisimai-lhost-sendmail-05.eml'))).toMatchObject({
      kind: 'bounce',
      originalMessageId: '<000000B2-9997-8888-8999-000000000356@example.co.jp>',
      recipients: [{ recipient: 'kijitora@example.org', action: 'failed', status: '5.2.3', diagnostic: expect.stringContaining('552 5.2.3') }],
    });
  });

  it('reads a DSN whose returned message carries no Message-ID', async () => {
    expect(await readMail(fixture('sisimai-lhost-exchange2007-01.eml'))).toMatchObject({ kind: 'bounce', originalMessageId: null });
  });
});

describe('raw sources', () => {
  it('stores UTF-8 as text and anything else as a data URL, bytes intact', () => {
    const utf8 = Buffer.from('Subject: Olá\r\n\r\nçã\r\n');
    expect(encodeRawSource(utf8)).toBe('Subject: Olá\r\n\r\nçã\r\n');
    expect(decodeRawSource(encodeRawSource(utf8)).equals(utf8)).toBe(true);
    const latin1 = Buffer.from('Subject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nol\xe1\r\n', 'latin1');
    expect(encodeRawSource(latin1)).toMatch(/^data:message\/rfc822;base64,/);
    expect(decodeRawSource(encodeRawSource(latin1)).equals(latin1)).toBe(true);
    const nul = Buffer.from('Subject: x\r\n\r\na\0b');
    expect(decodeRawSource(encodeRawSource(nul)).equals(nul)).toBe(true);
  });

  it('reads the top header block without a full parse, unfolded', () => {
    const headers = readTopHeaders(Buffer.from('Message-ID:\r\n <a@b>\r\nContent-Type: multipart/report;\r\n\treport-type=delivery-status\r\n\r\nMessage-ID: <body@x>\r\n'));
    expect(firstMessageId(headers.get('message-id'))).toBe('<a@b>');
    expect(headers.get('content-type')).toBe('multipart/report; report-type=delivery-status');
    expect(readTopHeaders(Buffer.from('just text\r\n')).count).toBe(0);
    expect(messageIds('<a@b> <c@d>\r\n <a@b>')).toEqual(['<a@b>', '<c@d>']);
    expect(derivedMessageId(Buffer.from('x'))).toBe(derivedMessageId(Buffer.from('x')));
    expect(headerBlocks('A: 1\n b\n\nC: 2')).toEqual([new Map([['a', '1 b']]), new Map([['c', '2']])]);
  });
});

describe('SMTP error classification', () => {
  it('retries 4xx replies and connection trouble, not 5xx replies or a refused login', () => {
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 451, response: '451 4.3.0 try later', command: 'RCPT TO' }))).toMatchObject({
      retryable: true,
      code: '451 4.3.0',
    });
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 550, response: '550 5.1.1 no such user' }))).toMatchObject({ retryable: false, code: '550 5.1.1' });
    expect(classifySmtpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' }))).toMatchObject({ retryable: true, code: 'ESOCKET' });
    expect(classifySmtpError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 failed' }))).toMatchObject({
      retryable: false,
    });
  });
});
