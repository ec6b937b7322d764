import { getMetaSpec, META_PATHS, validateRequestBody, validateWebhookPayload } from './spec';
import { SPEC_FIXES } from './spec-fixes';

const spec = getMetaSpec();

/**
 * Examples in Meta's file that are themselves invalid against its schemas (placeholders such as
 * `<http(s)://audio-url>`, a boolean where a string is declared, `type` left out, a different
 * operation's body). The validator must reject each one — naming the field — rather than accept it.
 */
const DEFECTIVE_MESSAGE_EXAMPLES: Record<string, string> = {
  'Send Audio Message by URL': 'audio.link: must match format "url"',
  'Send Document Message by URL': 'document.link: must match format "url"',
  'Send Image Message by URL': 'image.link: must match format "url"',
  'Send Video Message by URL': 'video.link: must match format "url"',
  'Send Reply to Audio Message by URL': 'audio.link: must match format "url"',
  'Send Reply to Document Message by URL': 'document.link: must match format "url"',
  'Send Reply to Image Message by URL': 'image.link: must match format "url"',
  'Send Reply to Video Message by URL': 'video.link: must match format "url"',
  'Send Message Template Interactive': 'template.components[0].parameters[0].image.link: must match format "url"',
  'Send Message Template Media': 'template.components[0].parameters[0].image.link: must match format "url"',
  'Send Multi-Product Message': 'interactive.header.type: must be one of',
  'Send Order Details Message': 'interactive.action',
  'Send Order Status Message': 'interactive.action',
  'Send Sample Issue Resolution Template': 'template.components[1].parameters[0].text: must be string',
  'Send Reply to List Message': 'type: is required',
  'Send Text Message with Preview URL': 'type: is required',
  'Send typing indicator and read receipt': 'type: is required',
};

/** The group examples write ids as YAML numbers and a timestamp as a string. */
const DEFECTIVE_WEBHOOK_EXAMPLES: Record<string, string> = {
  'Group Create Message': 'entry[0].changes[0].value.groups[0].added_participants[0].input: must be string',
  'Group Settings Update': 'entry[0].changes[0].value.groups[0].timestamp: must be integer',
  'Group Remove Participants': 'entry[0].changes[0].value.groups[0].removed_participants[0].input: must be string',
};

const messageExamples = Object.entries(spec.requestExamples('post', META_PATHS.messages));
const webhookExamples = Object.entries(spec.requestExamples('post', META_PATHS.webhooks));

describe('Meta spec fixes', () => {
  it.each(SPEC_FIXES.map((f) => [f.id]))('fix %s still changes the spec (remove it once Meta fixes the defect)', (id) => {
    expect(spec.fixes.find((f) => f.id === id)?.changes).toBeGreaterThan(0);
  });
});

describe('request bodies against the spec', () => {
  it('has the examples this suite relies on', () => {
    expect(messageExamples.length).toBeGreaterThan(40);
    expect(Object.keys(DEFECTIVE_MESSAGE_EXAMPLES).every((name) => messageExamples.some(([n]) => n === name))).toBe(true);
  });

  it.each(messageExamples.filter(([name]) => !(name in DEFECTIVE_MESSAGE_EXAMPLES)))(
    'accepts the spec example "%s" (POST messages)',
    (_name, body) => {
      expect(spec.validateRequestBody('post', META_PATHS.messages, body)).toEqual({ ok: true });
    },
  );

  it.each(Object.entries(DEFECTIVE_MESSAGE_EXAMPLES))('rejects the defective spec example "%s", naming %s', (name, expected) => {
    const body = messageExamples.find(([n]) => n === name)![1];
    const result = spec.validateRequestBody('post', META_PATHS.messages, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(expected);
  });

  it.each([
    [META_PATHS.calls, Object.entries(spec.requestExamples('post', META_PATHS.calls))],
    [META_PATHS.settings, Object.entries(spec.requestExamples('post', META_PATHS.settings))],
  ])('accepts every spec example of POST %s', (path, examples) => {
    expect(examples.length).toBeGreaterThan(3);
    for (const [, body] of examples) expect(spec.validateRequestBody('post', path, body)).toEqual({ ok: true });
  });

  const text = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '5511999990000', type: 'text', text: { body: 'oi' } };
  const buttons = (n: number, title = 'Sim') => ({
    ...text,
    type: 'interactive',
    text: undefined,
    interactive: {
      type: 'button',
      body: { text: 'Confirma?' },
      action: { buttons: Array.from({ length: n }, (_, i) => ({ type: 'reply', reply: { id: `b${i}`, title } })) },
    },
  });
  const omit = <T extends object>(o: T, key: keyof T) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

  it.each([
    ['a text body that is not a string', { ...text, text: { body: 42 } }, 'text.body: must be string'],
    ['a missing recipient', omit(text, 'to'), 'to: is required'],
    ['an unknown top-level field', { ...text, colour: 'blue' }, 'colour: is not allowed here'],
    ['an unknown field in text', { ...text, text: { body: 'oi', bold: true } }, 'text.bold: is not allowed here'],
    ['an unknown message type', { ...text, type: 'hologram' }, 'type: must be one of'],
    ['four reply buttons', omit(buttons(4), 'text'), 'interactive.action.buttons: must NOT have more than 3 items'],
    ['a 21-character button title', omit(buttons(1, 'x'.repeat(21)), 'text'), 'interactive.action.buttons[0].reply.title: must NOT have more than 20 characters'],
    ['a template without a name', { ...omit(text, 'text'), type: 'template', template: { language: { code: 'pt_BR' } } }, 'template.name: is required'],
    ['a 513-character biz_opaque_callback_data', { ...text, biz_opaque_callback_data: 'x'.repeat(513) }, 'biz_opaque_callback_data: must NOT have more than 512 characters'],
  ])('rejects %s, naming the field', (_label, body, expected) => {
    const result = validateRequestBody('post', META_PATHS.messages, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual(expect.stringContaining(expected));
  });

  it('accepts the bodies recado sends: call permission request, template with parameters, media by id, biz_opaque_callback_data', () => {
    const bodies = [
      { ...text, biz_opaque_callback_data: 'msg-123' },
      {
        messaging_product: 'whatsapp',
        to: '5511999990000',
        type: 'interactive',
        interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'Podemos ligar?' } },
      },
      {
        messaging_product: 'whatsapp',
        to: '5511999990000',
        type: 'template',
        template: { name: 'boleto_lembrete', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] },
      },
      { messaging_product: 'whatsapp', to: '5511999990000', type: 'document', document: { id: '123', filename: 'extrato.pdf', caption: 'Extrato' } },
      { messaging_product: 'whatsapp', to: '5511999990000', type: 'image', image: { link: 'https://example.com/a.png' } },
    ];
    for (const body of bodies) expect(validateRequestBody('post', META_PATHS.messages, body)).toEqual({ ok: true });
  });

  it.each([
    ['connect without a recipient', { messaging_product: 'whatsapp', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' } }, 'to: is required'],
    ['connect without an SDP session', { messaging_product: 'whatsapp', action: 'connect', to: '5511999990000' }, 'session: is required'],
    ['accept without call_id or to', { messaging_product: 'whatsapp', action: 'accept', session: { sdp_type: 'answer', sdp: 'v=0' } }, 'call_id: is required'],
    ['an unknown action', { messaging_product: 'whatsapp', action: 'hold', call_id: 'wacid.1' }, 'action: must be one of'],
  ])('POST calls rejects %s', (_label, body, expected) => {
    const result = validateRequestBody('post', META_PATHS.calls, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(expected);
  });

  it('POST calls accepts accept / pre_accept / reject / terminate by call_id (Meta guides) and connect with biz_opaque_callback_data', () => {
    const session = { sdp_type: 'answer', sdp: 'v=0' };
    for (const body of [
      { messaging_product: 'whatsapp', call_id: 'wacid.1', action: 'pre_accept', session },
      { messaging_product: 'whatsapp', call_id: 'wacid.1', action: 'accept', session, biz_opaque_callback_data: 'c-1' },
      { messaging_product: 'whatsapp', call_id: 'wacid.1', action: 'reject' },
      { messaging_product: 'whatsapp', call_id: 'wacid.1', action: 'terminate' },
      { messaging_product: 'whatsapp', to: '5511999990000', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' }, biz_opaque_callback_data: 'c-1' },
    ]) {
      expect(validateRequestBody('post', META_PATHS.calls, body)).toEqual({ ok: true });
    }
  });

  it('POST settings validates the calling object (Meta doc spellings, call_hours, limits)', () => {
    const ok = {
      calling: {
        status: 'ENABLED',
        call_icon_visibility: 'DEFAULT',
        callback_permission_status: 'ENABLED',
        call_hours: {
          status: 'ENABLED',
          timezone_id: 'America/Sao_Paulo',
          weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '0800', close_time: '1800' }],
          holiday_schedule: [{ date: '2026-12-25', start_time: '0000', end_time: '2359' }],
        },
      },
    };
    expect(validateRequestBody('post', META_PATHS.settings, ok)).toEqual({ ok: true });
    const bad = (calling: object) => validateRequestBody('post', META_PATHS.settings, { calling });
    const holidays = Array.from({ length: 21 }, () => ({ date: '2026-12-25', start_time: '0000', end_time: '2359' }));
    const cases: Array<[object, string]> = [
      [{ status: 'on' }, 'calling.status: must be one of'],
      [{ status: 'ENABLED', call_hours: { status: 'ENABLED', holiday_schedule: holidays } }, 'calling.call_hours.holiday_schedule: must NOT have more than 20 items'],
      [{ status: 'ENABLED', call_hours: { status: 'ENABLED', weekly_operating_hours: [{ day_of_week: 'MONDAY', open_time: '2500', close_time: '1800' }] } }, 'calling.call_hours.weekly_operating_hours[0].open_time: must match pattern'],
    ];
    for (const [calling, expected] of cases) {
      const result = bad(calling);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toContain(expected);
    }
  });

  it('refuses to validate against an operation the spec does not have', () => {
    expect(() => validateRequestBody('post', '/{Version}/{Phone-Number-ID}/nope', {})).toThrow(/no operation/);
    expect(() => validateRequestBody('get', META_PATHS.callPermissions, {})).toThrow(/no JSON request body/);
  });
});

describe('webhook payloads against the spec', () => {
  it('has the examples this suite relies on', () => {
    expect(webhookExamples.length).toBeGreaterThanOrEqual(16);
  });

  it.each(webhookExamples.filter(([name]) => !(name in DEFECTIVE_WEBHOOK_EXAMPLES)))('accepts the spec example "%s"', (_name, payload) => {
    expect(validateWebhookPayload(payload)).toEqual({ ok: true });
  });

  it.each(Object.entries(DEFECTIVE_WEBHOOK_EXAMPLES))('rejects the defective example "%s", naming %s', (name, expected) => {
    const result = validateWebhookPayload(webhookExamples.find(([n]) => n === name)![1]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual(expect.stringContaining(expected));
  });

  const statusPayload = (status: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001', phone_number_id: '1' }, statuses: [status] },
          },
        ],
      },
    ],
  });

  it('accepts a status with biz_opaque_callback_data and pricing, and names the field of a bad one', () => {
    const status = { id: 'wamid.1', status: 'delivered', timestamp: '1750000000', recipient_id: '5511', biz_opaque_callback_data: 'x', pricing: { billable: false, pricing_model: 'PMP', category: 'service' } };
    expect(validateWebhookPayload(statusPayload(status))).toEqual({ ok: true });
    const result = validateWebhookPayload(statusPayload({ ...status, status: 'bogus' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^entry\[0\]\.changes\[0\]\.value\.statuses\[0\]\.status: must be one of: sent, delivered, read, failed/);
  });

  it('compiles only the schemas it was asked for', () => {
    expect(Object.keys(spec.timings.compileMs).every((p) => p.startsWith('#/paths/') || p === '#/components/schemas/WebhookPayload')).toBe(true);
  });
});
