import { replyRule, templateBody } from './reply-rule';

const HOUR = 3_600_000;
const now = Date.parse('2026-03-10T12:00:00Z');

describe('replyRule', () => {
  it('lets free-form go on WhatsApp inside the 24 h window, saying until when', () => {
    const lastInboundAt = new Date(now - 2 * HOUR);
    expect(replyRule({ channel: 'whatsapp', lastInboundAt, optedOut: false, now })).toEqual({
      mode: 'free_form',
      reason: 'window_open',
      windowClosesAt: new Date(now + 22 * HOUR),
    });
  });

  it('allows only templates on WhatsApp once the window closed, or when the customer never wrote', () => {
    expect(replyRule({ channel: 'whatsapp', lastInboundAt: new Date(now - 24 * HOUR), optedOut: false, now })).toEqual({
      mode: 'template_only',
      reason: 'window_closed',
      windowClosesAt: null,
    });
    expect(replyRule({ channel: 'whatsapp', lastInboundAt: null, optedOut: false, now }).reason).toBe('never_wrote');
  });

  it('has no window on the other channels, and nothing goes to a customer who opted out', () => {
    for (const channel of ['email', 'telegram', 'app'] as const) {
      expect(replyRule({ channel, lastInboundAt: null, optedOut: false, now })).toEqual({ mode: 'free_form', reason: 'no_window', windowClosesAt: null });
    }
    expect(replyRule({ channel: 'whatsapp', lastInboundAt: new Date(now), optedOut: true, now }).mode).toBe('none');
  });
});

describe('templateBody', () => {
  it("reads the BODY component's text and its highest parameter", () => {
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' },
      { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} saiu. {{1}}' },
    ];
    expect(templateBody(components)).toEqual({ text: 'Olá {{1}}, seu pedido {{2}} saiu. {{1}}', parameterCount: 2 });
  });

  it('copes with templates without a body or without components', () => {
    expect(templateBody([{ type: 'BODY', text: 'Sem variáveis' }])).toEqual({ text: 'Sem variáveis', parameterCount: 0 });
    expect(templateBody(undefined)).toEqual({ text: null, parameterCount: 0 });
  });
});
