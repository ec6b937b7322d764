import type { SendMessageRequest } from '../../whatsapp/types';
import type { SimGraphError } from './payloads';
import { DEFAULT_SEND_RULES, SendRules } from './send-rules';
import { TemplateRegistry } from './templates';

const PHONE = '1001';
const text: SendMessageRequest = { messaging_product: 'whatsapp', to: '5511900000000', type: 'text', text: { body: 'oi' } };
const template = (name: string, language: string, params: number): SendMessageRequest => ({
  messaging_product: 'whatsapp',
  to: '5511900000000',
  type: 'template',
  template: {
    name,
    language: { code: language },
    components: [{ type: 'body', parameters: Array.from({ length: params }, (_, i) => ({ type: 'text' as const, text: `p${i}` })) }],
  },
});

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as SimGraphError).code;
  }
}

describe('SendRules (Meta send rules on the simulator clock)', () => {
  const T0 = 1_750_000_000_000;
  let rules: SendRules;
  beforeEach(() => {
    rules = new SendRules(DEFAULT_SEND_RULES, new TemplateRegistry());
  });

  it('allows 80 messages per second per number, then answers 130429 until the second has passed', () => {
    for (let i = 0; i < 80; i++) {
      const waId = `55119${String(i).padStart(8, '0')}`;
      rules.check(PHONE, waId, template('hello_world', 'en_US', 0), T0 + i);
      rules.accepted(PHONE, waId, T0 + i);
    }
    expect(codeOf(() => rules.check(PHONE, '5511999999999', template('hello_world', 'en_US', 0), T0 + 500))).toBe(130429);
    expect(codeOf(() => rules.check('2002', '5511999999999', template('hello_world', 'en_US', 0), T0 + 500))).toBeUndefined();
    expect(codeOf(() => rules.check(PHONE, '5511999999999', template('hello_world', 'en_US', 0), T0 + 1001))).toBeUndefined();
  });

  it('answers 131056 for a second message to the same user within 6 s, unless the pair rate is disabled', () => {
    rules.accepted(PHONE, '5511900000000', T0);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('hello_world', 'en_US', 0), T0 + 5999))).toBe(131056);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('hello_world', 'en_US', 0), T0 + 6000))).toBeUndefined();
    rules.setPairRateLimit(false);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('hello_world', 'en_US', 0), T0 + 1))).toBeUndefined();
    rules.reset();
    rules.accepted(PHONE, '5511900000000', T0);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('hello_world', 'en_US', 0), T0 + 1))).toBe(131056);
  });

  it('allows free-form messages only within 24 h of the customer’s last message (131047)', () => {
    expect(codeOf(() => rules.check(PHONE, '5511900000000', text, T0))).toBe(131047);
    rules.customerWrote(PHONE, '5511900000000', T0);
    expect(rules.check(PHONE, '5511900000000', text, T0 + 24 * 3600_000)).toEqual({ category: 'service', callPermissionRequest: false });
    expect(codeOf(() => rules.check(PHONE, '5511900000000', text, T0 + 24 * 3600_000 + 1))).toBe(131047);
    expect(codeOf(() => rules.check('2002', '5511900000000', text, T0 + 1))).toBe(131047);
  });

  it('allows approved templates at any time, checking name, language and body parameter count', () => {
    expect(rules.check(PHONE, '5511900000000', template('pedido_atualizado', 'pt_BR', 3), T0)).toEqual({ category: 'utility', callPermissionRequest: false });
    expect(rules.check(PHONE, '5511900000000', template('carrinho_abandonado', 'pt_BR', 1), T0)).toMatchObject({ category: 'marketing' });
    expect(rules.check(PHONE, '5511900000000', template('permissao_ligacao', 'pt_BR', 2), T0)).toMatchObject({ callPermissionRequest: true });
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('pedido_atualizado', 'en_US', 3), T0))).toBe(132001);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('pedido_atualizado', 'pt_BR', 2), T0))).toBe(132000);
  });

  it('checks a NAMED template send by parameter_name: each placeholder once, any order (132000 otherwise)', () => {
    const named = (parameters: Array<Record<string, string>>): SendMessageRequest => ({
      messaging_product: 'whatsapp',
      to: '5511900000000',
      type: 'template',
      template: { name: 'pedido_enviado', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: parameters.map((p) => ({ type: 'text' as const, text: 'x', ...p })) }] },
    });
    expect(rules.check(PHONE, '5511900000000', named([{ parameter_name: 'nome' }, { parameter_name: 'pedido' }]), T0)).toMatchObject({ category: 'utility' });
    expect(rules.check(PHONE, '5511900000000', named([{ parameter_name: 'pedido' }, { parameter_name: 'nome' }]), T0)).toMatchObject({ category: 'utility' });
    expect(codeOf(() => rules.check(PHONE, '5511900000000', named([{}, {}]), T0))).toBe(132000);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', named([{ parameter_name: 'nome' }, { parameter_name: '' }]), T0))).toBe(132000);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', named([{ parameter_name: 'nome' }, { parameter_name: 'cupom' }]), T0))).toBe(132000);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', named([{ parameter_name: 'nome' }, { parameter_name: 'nome' }]), T0))).toBe(132000);
    expect(codeOf(() => rules.check(PHONE, '5511900000000', named([{ parameter_name: 'nome' }]), T0))).toBe(132000);
    // A positional template still counts only.
    expect(codeOf(() => rules.check(PHONE, '5511900000000', template('pedido_atualizado', 'pt_BR', 3), T0))).toBeUndefined();
  });

  it('recognizes an interactive call permission request', () => {
    rules.customerWrote(PHONE, '5511900000000', T0);
    const ask: SendMessageRequest = {
      messaging_product: 'whatsapp',
      to: '5511900000000',
      type: 'interactive',
      interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'Podemos ligar?' } },
    };
    expect(rules.check(PHONE, '5511900000000', ask, T0 + 1)).toEqual({ category: 'service', callPermissionRequest: true });
  });
});
