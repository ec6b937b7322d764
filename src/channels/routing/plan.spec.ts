import { DEFAULT_PRICE_TABLE } from '../pricing/price-table';
import { SERVICE_WINDOW_MS } from '../../whatsapp/service-window';
import { serviceWindowOpen } from '../../whatsapp/service-window';
import { DEFAULT_ROUTING_POLICY, countryOfPhone, planRoute, type ContactReach, type PlanInput } from './plan';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const channels = { whatsapp: ['wa-1', 'wa-2'], email: ['mail-1'], telegram: ['bot-1'], app: ['app-1'] };
const content = {
  text: 'Seu boleto vence amanhã',
  buttons: [{ id: 'pay', title: 'Pagar agora' }],
  template: { name: 'boleto_reminder', language: 'pt_BR', parameters: ['Maria'] },
};
const reach = (over: Partial<ContactReach> = {}): ContactReach => ({
  whatsapp: '5511987654321',
  email: 'maria@example.com',
  telegram: '123456789',
  app: 'user-42',
  appInstalled: false,
  optIns: {},
  lastInboundByNumber: {},
  ...over,
});
const plan = (over: Partial<PlanInput> = {}) =>
  planRoute({ category: 'marketing', content, reach: reach(), channels, policy: DEFAULT_ROUTING_POLICY, prices: DEFAULT_PRICE_TABLE, now: NOW, ...over });

describe('planRoute', () => {
  it('puts the app first when it is installed, at no cost', () => {
    const steps = plan({ reach: reach({ appInstalled: true }) });
    expect(steps.map((s) => s.step)).toEqual(['app', 'whatsapp_template', 'email', 'telegram']);
    expect(steps[0]).toMatchObject({ channel: 'app', channelAccountId: 'app-1', recipient: 'user-42', cost: 0, templateCost: 0.3125 });
  });

  it('converts a marketing template to free-form on the number whose 24 h window is open', () => {
    const steps = plan({ reach: reach({ lastInboundByNumber: { 'wa-2': new Date(NOW - 60_000) } }) });
    expect(steps[0]).toMatchObject({ step: 'whatsapp_free_form', channelAccountId: 'wa-2', asTemplate: false, pricing: 'converted', cost: 0 });
    // WhatsApp appears once: the template is the same row's fallback when the window closes first.
    expect(steps.filter((s) => s.channel === 'whatsapp')).toHaveLength(1);
  });

  it('sends the template once the window has closed, exactly 24 h after the last message', () => {
    const last = new Date(NOW - SERVICE_WINDOW_MS);
    expect(serviceWindowOpen(last, NOW - 1)).toBe(true);
    expect(serviceWindowOpen(last, NOW)).toBe(false);
    const steps = plan({ reach: reach({ lastInboundByNumber: { 'wa-1': last } }) });
    expect(steps[0]).toMatchObject({ step: 'whatsapp_template', channelAccountId: 'wa-1', asTemplate: true, pricing: 'template', cost: 0.3125 });
  });

  it('does not convert content WhatsApp cannot show free-form (more than 3 buttons, titles over 20 characters)', () => {
    const open = reach({ lastInboundByNumber: { 'wa-1': new Date(NOW - 1000) } });
    const four = { ...content, buttons: [1, 2, 3, 4].map((n) => ({ id: `b${n}`, title: `Opção ${n}` })) };
    expect(plan({ reach: open, content: four })[0].step).toBe('whatsapp_template');
    const long = { ...content, buttons: [{ id: 'x', title: 'Quero falar com um atendente' }] };
    expect(plan({ reach: open, content: long })[0].step).toBe('whatsapp_template');
  });

  it('respects opt-outs per channel, per category and per channel and category', () => {
    expect(plan({ reach: reach({ optIns: { whatsapp: false } }) }).map((s) => s.channel)).toEqual(['email', 'telegram']);
    expect(plan({ reach: reach({ optIns: { 'email.marketing': false } }) }).map((s) => s.channel)).toEqual(['whatsapp', 'telegram']);
    expect(plan({ reach: reach({ optIns: { marketing: false } }) })).toEqual([]);
    expect(plan({ category: 'utility', reach: reach({ optIns: { marketing: false } }) }).map((s) => s.channel)).toEqual(['whatsapp', 'email', 'telegram']);
  });

  it('skips channels the contact has no identity on or the account has not connected', () => {
    const steps = plan({ reach: reach({ email: undefined }), channels: { ...channels, telegram: [] } });
    expect(steps.map((s) => s.channel)).toEqual(['whatsapp']);
  });

  it('without a template, WhatsApp goes only inside the window', () => {
    const plain = { text: 'Olá' };
    expect(plan({ content: plain }).map((s) => s.step)).toEqual(['email', 'telegram']);
    const open = reach({ lastInboundByNumber: { 'wa-1': new Date(NOW - 1000) } });
    expect(plan({ content: plain, reach: open, category: 'service_reply' })[0]).toMatchObject({ step: 'whatsapp_free_form', pricing: 'free_form' });
  });

  it('follows the account policy order', () => {
    const policy = { ...DEFAULT_ROUTING_POLICY, marketing: ['email' as const, 'whatsapp_template' as const] };
    expect(plan({ policy }).map((s) => s.step)).toEqual(['email', 'whatsapp_template']);
  });

  it('prices utility templates at the utility rate', () => {
    expect(plan({ category: 'utility' })[0]).toMatchObject({ step: 'whatsapp_template', cost: 0.034, templateCost: 0.034 });
  });
});

describe('countryOfPhone', () => {
  it('reads the calling code', () => {
    expect(countryOfPhone('5511987654321')).toBe('BR');
    expect(countryOfPhone('+351912345678')).toBe('PT');
    expect(countryOfPhone('14155550100')).toBe('US');
    expect(countryOfPhone('999')).toBeNull();
    expect(countryOfPhone(undefined)).toBeNull();
  });
});
