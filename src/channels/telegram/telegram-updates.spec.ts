import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TelegramSimulator } from '../../simulators/telegram/simulator';
import { InvalidDeliveryError } from '../../webhooks/inbound-delivery';
import { parseTelegramUpdate, type TelegramEvent } from './telegram-updates';

const FIXTURES = path.join(__dirname, '../../../test/fixtures/telegram');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const one = (raw: string): TelegramEvent => {
  const parsed = parseTelegramUpdate(raw, 'acct');
  expect(parsed.rejected).toEqual([]);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0];
};

describe('Telegram updates (liberal in)', () => {
  it("reads Telegram's documented examples", () => {
    expect(one(fixture('docs-message-text.json'))).toMatchObject({
      kind: 'message',
      dedupeKey: 'acct:10000',
      chatId: '1111111',
      chatMessage: '1111111:1365',
      type: 'text',
      fromName: 'Test Firstname Test Lastname',
      at: new Date(1441645532 * 1000),
    });
    const noType = parseTelegramUpdate(fixture('docs-message-text-no-chat-type.json'), 'acct');
    expect(noType.events[0]).toMatchObject({ kind: 'message', type: 'text', fromName: 'Test Test Lastname' });
    expect(noType.warnings).toEqual(['message.chat.type: missing']);
    expect(one(fixture('docs-edited-message.json'))).toMatchObject({ kind: 'message', chatMessage: '1111111:1365:e1441646600', at: new Date(1441646600 * 1000) });
    expect(one(fixture('docs-message-audio.json'))).toMatchObject({ type: 'audio' });
    expect(one(fixture('docs-message-voice.json'))).toMatchObject({ type: 'audio' });
    expect(one(fixture('docs-message-document.json'))).toMatchObject({ type: 'document' });
    expect(one(fixture('docs-message-reply.json'))).toMatchObject({ type: 'text', chatMessage: '1111111:1365' });
    expect(one(fixture('docs-inline-query.json'))).toMatchObject({ kind: 'ignored', updateType: 'inline_query' });
    const inlineButton = parseTelegramUpdate(fixture('docs-callback-query.json'), 'acct');
    expect(inlineButton.events[0]).toMatchObject({ kind: 'button', chatId: '1111111', data: 'Data from button callback', pressedOn: null, callbackQueryId: '4382bfdwdsb323b2d9' });
    expect(inlineButton.warnings[0]).toMatch(/^callback_query.message: absent/);
  });

  it("reads teloxide's test updates", () => {
    expect(one(fixture('teloxide-message.json'))).toMatchObject({ kind: 'message', chatId: '218485655', type: 'text', fromName: 'Waffle' });
    expect(one(fixture('teloxide-private-chat-text.json'))).toMatchObject({ kind: 'message', type: 'text' });
    expect(one(fixture('teloxide-supergroup-dice.json'))).toMatchObject({ kind: 'message', chatId: '-1001276785818', type: 'unsupported', fromName: 'Hirrolot' });
    expect(one(fixture('teloxide-supergroup-story-reply.json'))).toMatchObject({ kind: 'message', type: 'text', chatId: '-1001293752024' });
    expect(one(fixture('teloxide-pinned-message.json'))).toMatchObject({ kind: 'ignored', updateType: 'message:service' });
    expect(one(fixture('teloxide-my-chat-member.json'))).toMatchObject({ kind: 'ignored', updateType: 'my_chat_member' });
    expect(one(fixture('teloxide-new-update-kind.json'))).toMatchObject({ kind: 'ignored', updateType: 'new_update_kind', dedupeKey: 'acct:1' });
  });

  it('accepts numbers sent as text and a channel post, naming the normalisation', () => {
    const parsed = parseTelegramUpdate(
      JSON.stringify({ update_id: '77', channel_post: { message_id: '5', date: '1700000000', chat: { id: '-100123', type: 'channel', title: 'Ofertas' }, text: 'promo' } }),
      'acct',
    );
    expect(parsed.events[0]).toMatchObject({ kind: 'message', dedupeKey: 'acct:77', chatMessage: '-100123:5', fromName: 'Ofertas' });
    expect(parsed.warnings).toEqual(['update_id: a number sent as text', 'channel_post.date: a number sent as text']);
  });

  it('links a button press to the message it was on and its title', () => {
    const sim = new TelegramSimulator();
    const bot = sim.addBot();
    sim.customerSendsText(bot.id, { chatId: 10, firstName: 'Ana', lastName: 'Souza', text: 'oi' });
    const sent = sim.handle({ token: bot.token, method: 'sendMessage', params: { chat_id: 10, text: 'Confirma?', reply_markup: { inline_keyboard: [[{ text: 'Sim', callback_data: 'yes' }]] } } });
    return sent.then(() => {
      const update = sim.customerPressesButton(bot.id, { chatId: 10, data: 'yes' });
      expect(one(JSON.stringify(update))).toMatchObject({ kind: 'button', chatId: '10', data: 'yes', title: 'Sim', pressedOn: '10:2', fromName: 'Ana Souza' });
      sim.close();
    });
  });

  it('rejects what nobody can read, without sinking the delivery on what it can', () => {
    expect(() => parseTelegramUpdate('not json', 'acct')).toThrow(InvalidDeliveryError);
    expect(() => parseTelegramUpdate('[]', 'acct')).toThrow(InvalidDeliveryError);
    expect(() => parseTelegramUpdate('{"message":{}}', 'acct')).toThrow(/update_id/);
    expect(() => parseTelegramUpdate('{"update_id":1}', 'acct')).toThrow(/holds no event/);
    expect(() => parseTelegramUpdate('{"update_id":1,"message":{}}', null)).toThrow(/route hint/);
    expect(parseTelegramUpdate('{"update_id":1,"message":{"message_id":3}}', 'acct')).toMatchObject({ events: [], rejected: [{ at: 'message.chat.id', reason: 'missing or not an integer' }] });
    expect(parseTelegramUpdate('{"update_id":1,"callback_query":{"id":"9","from":{"first_name":"x"},"data":"a"}}', 'acct').rejected[0].at).toBe('callback_query.message.chat.id');
  });
});
