import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TelegramSimulator } from './simulator';

/**
 * The simulator's updates against updates published outside recado (test/fixtures/telegram):
 * every field a published example has, the simulator's has too, with the same JSON type.
 */
const FIXTURES = path.join(__dirname, '../../../test/fixtures/telegram');
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, any>;
const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Paths of `published` missing in `ours` or of another JSON type there (objects compared deeply). */
function shapeDiff(published: unknown, ours: unknown, at = ''): string[] {
  if (kind(published) !== kind(ours)) return [`${at || '(root)'}: ${kind(published)} published, ${kind(ours)} from the simulator`];
  if (kind(published) !== 'object') return [];
  const p = published as Record<string, unknown>;
  const o = ours as Record<string, unknown>;
  return Object.keys(p).flatMap((k) => (k in o ? shapeDiff(p[k], o[k], `${at}.${k}`) : [`${at}.${k}: missing from the simulator`]));
}

describe('Telegram simulator updates match published ones', () => {
  const sim = new TelegramSimulator();
  const bot = sim.addBot();
  afterAll(() => sim.close());

  it('a text message, as in teloxide and Telegram docs examples', () => {
    const ours = sim.customerSendsText(bot.id, { chatId: 218485655, firstName: 'Waffle', username: 'WaffleLapkin', text: 'hello there' });
    const teloxide = load('teloxide-private-chat-text.json');
    expect(shapeDiff(teloxide, ours)).toEqual([]);
    const withLastName = sim.customerSendsText(bot.id, { chatId: 1111112, firstName: 'Test Firstname', lastName: 'Test Lastname', username: 'Testusername', text: '/start' });
    expect(shapeDiff(load('docs-message-text.json'), withLastName)).toEqual([]);
  });

  it('an edited message, as in the docs example', () => {
    sim.customerSendsText(bot.id, { chatId: 1111111, firstName: 'Test', lastName: 'Lastname', username: 'Testusername', text: 'x' });
    const ours = sim.customerEditsMessage(bot.id, { chatId: 1111111, messageId: 1, text: 'Edited text' });
    expect(shapeDiff(load('docs-edited-message.json'), ours)).toEqual([]);
  });

  it('a document, as in the docs example (Telegram adds file_unique_id since)', () => {
    const ours = sim.customerSendsDocument(bot.id, { chatId: 1111111, fileName: 'Testfile.pdf', mimeType: 'application/pdf' });
    expect(shapeDiff(load('docs-message-document.json'), ours)).toEqual([]);
  });
});
