import { asaasError, buildAsaasCustomer, buildAsaasPayment } from './asaas.payment-links';
import { buildPagarmeOrder, pagarmeError } from './pagarme.payment-links';
import { PaymentLinkError, type PaymentLinkRequest } from './payment-links';
import { loadPaymentsConfig } from './payments.config';

const request: PaymentLinkRequest = {
  intentId: 'ci_01J9Z',
  customer: { name: 'Maria Silva', email: 'maria@example.com', phone: '+5521987654321' },
  product: { name: 'Plano anual', code: 'anual' },
  amount: { amountMinor: '15090', currency: 'BRL' },
  dueDate: '2030-01-31',
};

const refused = (fn: () => unknown): PaymentLinkError => {
  try {
    fn();
  } catch (err) {
    return err as PaymentLinkError;
  }
  throw new Error('expected a refusal');
};

describe('Pagar.me order building', () => {
  it('sends integer centavos, the phone in parts and the intent as code', () => {
    const order = buildPagarmeOrder(request, 3);
    expect(order.code).toBe('ci_01J9Z');
    expect(order.items).toEqual([{ amount: 15090, description: 'Plano anual', quantity: 1, code: 'anual' }]);
    expect(order.customer.phones.mobile_phone).toEqual({ country_code: '55', area_code: '21', number: '987654321' });
    expect(order.payments[0]).toMatchObject({ amount: 15090, payment_method: 'checkout', checkout: { boleto: { due_at: '2030-01-31T23:59:59Z' }, customer_editable: true } });
  });

  it.each([
    [{ amount: { amountMinor: '150.90', currency: 'BRL' } }, 'amount.amountMinor'],
    [{ amount: { amountMinor: '100', currency: 'USD' } }, 'amount.currency'],
    [{ customer: { ...request.customer, phone: '+14155550100' } }, 'customer.phone'],
    [{ customer: { ...request.customer, email: 'maria' } }, 'customer.email'],
    [{ dueDate: '31/01/2030' }, 'dueDate'],
  ])('refuses %j naming %s, not retryable', (patch, field) => {
    const err = refused(() => buildPagarmeOrder({ ...request, ...patch } as PaymentLinkRequest, 3));
    expect(err).toBeInstanceOf(PaymentLinkError);
    expect(err.field).toBe(field);
    expect(err.retryable).toBe(false);
  });
});

describe('Asaas request building', () => {
  it('sends reais as a number with the intent as externalReference, the national mobile number', () => {
    expect(buildAsaasPayment(request, 'cus_1', 3)).toEqual({ customer: 'cus_1', billingType: 'UNDEFINED', value: 150.9, dueDate: '2030-01-31', description: 'Plano anual', externalReference: 'ci_01J9Z' });
    expect(buildAsaasPayment({ ...request, amount: { amountMinor: '1', currency: 'BRL' } }, 'cus_1', 3).value).toBe(0.01);
    expect(buildAsaasCustomer(request)).toEqual({ name: 'Maria Silva', email: 'maria@example.com', mobilePhone: '21987654321' });
  });
});

describe('error classification', () => {
  it('Pagar.me: 422 names the field, 401 and 4xx are final, 429 and 5xx retryable', () => {
    const invalid = pagarmeError(422, { message: 'The request is invalid.', errors: { 'order.customer.name': ['The name field is required.'] } });
    expect(invalid).toMatchObject({ status: 422, retryable: false, field: 'order.customer.name' });
    expect(invalid.message).toContain('The name field is required.');
    expect(pagarmeError(401, { message: 'Authorization has been denied for this request.' })).toMatchObject({ retryable: false, field: undefined });
    expect(pagarmeError(429, undefined).retryable).toBe(true);
    expect(pagarmeError(502, '<html>Bad Gateway</html>').retryable).toBe(true);
  });

  it('Asaas: invalid_<field> names the field, the token error does not', () => {
    expect(asaasError(400, { errors: [{ code: 'invalid_value', description: 'O campo value deve ser informado' }] })).toMatchObject({ retryable: false, field: 'value', status: 400 });
    expect(asaasError(401, { errors: [{ code: 'invalid_access_token', description: 'A chave de API fornecida é inválida' }] })).toMatchObject({ retryable: false, field: undefined });
    expect(asaasError(500, undefined).retryable).toBe(true);
  });
});

describe('payments config', () => {
  it('has documented defaults and refuses a bad URL by name', () => {
    expect(loadPaymentsConfig({})).toEqual({ pagarmeApiUrl: 'https://api.pagar.me', asaasApiUrl: 'https://api.asaas.com', dueDays: 3, timeoutMs: 10_000 });
    expect(() => loadPaymentsConfig({ ASAAS_API_URL: 'nope' })).toThrow('ASAAS_API_URL');
  });
});
