import { matchKeyword, normaliseKeyword, replyTexts } from './keyword-match';

describe('reply keywords', () => {
  const rules = { keywords: [{ words: ['FRAUDE', 'NÃO FUI EU'], callback_url: 'https://bank.example/block' }, { words: ['Parar'], open_conversation: false }] };

  it('ignores case, accents, repeated spaces and surrounding punctuation', () => {
    expect(normaliseKeyword('  NÃO   FUI\tEU!! ')).toBe('nao fui eu');
    expect(normaliseKeyword('Não fui eu')).toBe(normaliseKeyword('nao fui eu'));
    expect(matchKeyword(rules, [{ text: 'nao fui eu', button: false }])).toEqual({
      keyword: 'NÃO FUI EU', matchedText: 'nao fui eu', callbackUrl: 'https://bank.example/block', openConversation: true,
    });
  });

  it('matches the whole text only', () => {
    expect(matchKeyword(rules, [{ text: 'acho que não fui eu', button: false }])).toBeUndefined();
    expect(matchKeyword(rules, [{ text: 'parar', button: false }])).toMatchObject({ keyword: 'Parar', callbackUrl: null, openConversation: false });
  });

  it('reads texts and quick-reply button titles from each channel', () => {
    expect(replyTexts('whatsapp', 'text', { type: 'text', text: { body: 'Fraude' } })).toEqual([{ text: 'Fraude', button: false }]);
    expect(replyTexts('whatsapp', 'button', { type: 'button', button: { payload: 'x', text: 'Não fui eu' } })).toEqual([{ text: 'Não fui eu', button: true }]);
    expect(replyTexts('whatsapp', 'interactive', { interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'FRAUDE' } } })).toEqual([{ text: 'FRAUDE', button: true }]);
    expect(replyTexts('telegram', 'button', { button: { id: 'cb', title: 'Fraude' } })).toEqual([{ text: 'Fraude', button: true }]);
    expect(replyTexts('app', 'button', { text: 'Fraude', button_id: 'b' })).toEqual([{ text: 'Fraude', button: true }]);
    expect(replyTexts('email', 'email', { subject: 'Re: alerta', text: 'fraude\n\nOn Mon, Shop wrote:\n> alerta' }).map((t) => t.text)).toContain('fraude');
    expect(matchKeyword(rules, replyTexts('email', 'email', { text: 'Fraude\n\n> Compra aprovada' }))).toMatchObject({ keyword: 'FRAUDE' });
  });

  it('accepts rules without keywords or with odd entries', () => {
    expect(matchKeyword({}, [{ text: 'fraude', button: false }])).toBeUndefined();
    expect(matchKeyword({ keywords: [{ words: [null as unknown as string, 'ok'] }] }, [{ text: 'OK', button: false }])).toMatchObject({ keyword: 'ok' });
  });
});
