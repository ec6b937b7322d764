import { getMetaSpec, META_PATHS } from './spec';
import { InvalidWebhookPayloadError, parseWebhookPayload, type CallEvent, type InboundMessageEvent } from './webhook-events';

const spec = getMetaSpec();
const examples = Object.entries(spec.requestExamples('post', META_PATHS.webhooks)) as Array<[string, { entry: Array<{ changes: Array<{ field: string; value: Record<string, unknown> }> }> }]>;
const DEFECTIVE = ['Group Create Message', 'Group Settings Update', 'Group Remove Participants'];

const WABA = '366634483210360';
const METADATA = { phone_number_id: '436666719526789', display_phone_number: '13175551399' };
const wrap = (field: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: WABA, changes: [{ value: { messaging_product: 'whatsapp', metadata: METADATA, ...value }, field }] }],
});
const contacts = [{ profile: { name: 'Maria Silva' }, wa_id: '5511987654321' }];

describe('parseWebhookPayload on the spec examples', () => {
  it.each(examples.filter(([name]) => !DEFECTIVE.includes(name)))('normalizes "%s"', (_name, payload) => {
    const events = parseWebhookPayload(payload);
    const change = payload.entry[0].changes[0];
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.phoneNumberId).toBe('106540352242922');
    expect(event.field).toBe(change.field);
    if (change.field !== 'messages') {
      expect(event.kind).toBe('unknown'); // groups: described by the spec, not interpreted by recado
      return;
    }
    const raw = (change.value.messages as Array<Record<string, unknown>>)[0];
    expect(event).toMatchObject({ kind: 'message', id: raw.id, dedupeKey: raw.id, from: raw.from, type: raw.type, timestamp: raw.timestamp });
    const message = event as InboundMessageEvent;
    expect(message.message).toEqual(raw);
    if (raw.type !== 'system') expect(message.contactName).toBe('Sheena Nelson');
    if (raw.type === 'text') expect(message.text).toBe((raw.text as { body: string }).body);
    if (raw.type === 'button') expect(message.button).toEqual({ payload: 'Unsubscribe', text: 'Unsubscribe' });
    if (raw.type === 'interactive') expect(message.interactive?.type).toMatch(/^(list|button)_reply$/);
    if (raw.type === 'unsupported') expect(message.errors?.[0].code).toBe(131051);
  });

  it.each(DEFECTIVE)('rejects the defective example "%s" with the field in the reason', (name) => {
    const payload = examples.find(([n]) => n === name)![1];
    expect(() => parseWebhookPayload(payload)).toThrow(InvalidWebhookPayloadError);
    expect(() => parseWebhookPayload(payload)).toThrow(/entry\[0\]\.changes\[0\]\.value\.groups\[0\]\.(added_participants|removed_participants|timestamp)/);
  });

  it('reads interactive list and button replies', () => {
    const list = parseWebhookPayload(examples.find(([n]) => n === 'Interactive List Reply Message')![1])[0] as InboundMessageEvent;
    expect(list.interactive).toEqual({ type: 'list_reply', id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' });
    expect(list.context?.id).toMatch(/^wamid\./);
    const button = parseWebhookPayload(examples.find(([n]) => n === 'Interactive Button Reply Message')![1])[0] as InboundMessageEvent;
    expect(button.interactive).toEqual({ type: 'button_reply', id: 'cancel-button', title: 'Cancel' });
  });
});

describe('parseWebhookPayload on statuses and calls', () => {
  it('normalizes message statuses with biz_opaque_callback_data, pricing and errors; dedupeKey wamid:status', () => {
    const events = parseWebhookPayload(
      wrap('messages', {
        statuses: [
          { id: 'wamid.A', status: 'delivered', timestamp: '1750000001', recipient_id: '5511987654321', biz_opaque_callback_data: 'msg-1', pricing: { billable: false, pricing_model: 'PMP', category: 'service' } },
          { id: 'wamid.B', status: 'failed', timestamp: '1750000002', recipient_id: '5511987654321', errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'x' } }] },
        ],
      }),
    );
    expect(events).toEqual([
      expect.objectContaining({ kind: 'status', id: 'wamid.A', status: 'delivered', dedupeKey: 'wamid.A:delivered', recipientId: '5511987654321', bizOpaqueCallbackData: 'msg-1', pricing: { billable: false, pricing_model: 'PMP', category: 'service' }, wabaId: WABA, phoneNumberId: METADATA.phone_number_id }),
      expect.objectContaining({ kind: 'status', id: 'wamid.B', status: 'failed', dedupeKey: 'wamid.B:failed', errors: [expect.objectContaining({ code: 131026 })] }),
    ]);
  });

  it('reads a call_permission_reply (accept, temporary) on the messages field', () => {
    const [event] = parseWebhookPayload(
      wrap('messages', {
        contacts,
        messages: [
          {
            from: '5511987654321',
            id: 'wamid.R',
            timestamp: '1750000000',
            type: 'interactive',
            context: { from: '13175551399', id: 'wamid.REQ' },
            interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept', is_permanent: false, expiration_timestamp: 1750604800, response_source: 'user_action' } },
          },
        ],
      }),
    ) as InboundMessageEvent[];
    expect(event).toMatchObject({ kind: 'message', type: 'interactive', contactName: 'Maria Silva', dedupeKey: 'wamid.R', context: { id: 'wamid.REQ' } });
    expect(event.interactive).toEqual({ type: 'call_permission_reply', response: 'accept', isPermanent: false, expirationTimestamp: 1750604800, responseSource: 'user_action' });
  });

  it('rejects a call_permission_reply with an unknown response, naming the field', () => {
    const payload = wrap('messages', {
      contacts,
      messages: [{ from: '5511987654321', id: 'wamid.R', timestamp: '1', type: 'interactive', context: { from: '1', id: 'wamid.Q' }, interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'maybe' } } }],
    });
    expect(() => parseWebhookPayload(payload)).toThrow(/entry\[0\]\.changes\[0\]\.value\.messages\[0\]\.interactive\.call_permission_reply\.response: must be one of: accept, reject/);
  });

  it('reads a user-initiated connect with the SDP offer (Meta calling guide shape)', () => {
    const [event] = parseWebhookPayload(
      wrap('calls', {
        contacts,
        calls: [{ id: 'wacid.U1', to: '13175551399', from: '5511987654321', event: 'connect', timestamp: '1671644824', direction: 'USER_INITIATED', session: { sdp_type: 'offer', sdp: 'v=0\r\n' } }],
      }),
    ) as CallEvent[];
    expect(event).toMatchObject({
      kind: 'call',
      callId: 'wacid.U1',
      event: 'connect',
      direction: 'USER_INITIATED',
      from: '5511987654321',
      to: '13175551399',
      contactName: 'Maria Silva',
      session: { sdpType: 'offer', sdp: 'v=0\r\n' },
      dedupeKey: 'wacid.U1:connect',
    });
  });

  it('reads a business-initiated connect with the SDP answer, connection and biz_opaque_callback_data', () => {
    const [event] = parseWebhookPayload(
      wrap('calls', {
        calls: [
          {
            biz_opaque_callback_data: 'TRx334DUDFTI4Mj',
            session: { sdp_type: 'answer', sdp: 'v=0' },
            from: '13175551399',
            connection: { webrtc: { sdp: 'v=0' } },
            id: 'wacid.B1',
            to: '12185552828',
            event: 'connect',
            timestamp: '1749196895',
            direction: 'BUSINESS_INITIATED',
          },
        ],
      }),
    ) as CallEvent[];
    expect(event).toMatchObject({ kind: 'call', callId: 'wacid.B1', event: 'connect', session: { sdpType: 'answer' }, bizOpaqueCallbackData: 'TRx334DUDFTI4Mj', dedupeKey: 'wacid.B1:connect' });
  });

  it('reads a terminate with status, times and duration; dedupeKey callId:terminate:STATUS', () => {
    const [event] = parseWebhookPayload(
      wrap('calls', {
        contacts,
        calls: [{ id: 'wacid.B1', to: '5511987654321', from: '13175551399', event: 'terminate', direction: 'BUSINESS_INITIATED', biz_opaque_callback_data: 'c-1', timestamp: '1671644944', status: 'COMPLETED', start_time: '1671644824', end_time: '1671644944', duration: 120 }],
      }),
    ) as CallEvent[];
    expect(event).toMatchObject({ kind: 'call', event: 'terminate', status: 'COMPLETED', startTime: '1671644824', endTime: '1671644944', duration: 120, bizOpaqueCallbackData: 'c-1', dedupeKey: 'wacid.B1:terminate:COMPLETED', contactName: 'Maria Silva' });
  });

  it.each(['RINGING', 'ACCEPTED', 'REJECTED'])('reads a %s call status; dedupeKey callId:status:STATUS', (status) => {
    const [event] = parseWebhookPayload(
      wrap('calls', { statuses: [{ id: 'wacid.B1', timestamp: '1671644824', type: 'call', status, recipient_id: '12185552828', biz_opaque_callback_data: 'c-1' }] }),
    );
    expect(event).toMatchObject({ kind: 'call_status', callId: 'wacid.B1', status, recipientId: '12185552828', bizOpaqueCallbackData: 'c-1', dedupeKey: `wacid.B1:status:${status}` });
  });

  it('rejects calls payloads that break the calls shape, naming the field', () => {
    expect(() => parseWebhookPayload(wrap('calls', { calls: [{ id: 'wacid.X', event: 'connect', timestamp: '1', to: '1' }] }))).toThrow(
      /entry\[0\]\.changes\[0\]\.value\.calls\[0\]\.from: is required/,
    );
    expect(() => parseWebhookPayload(wrap('calls', { statuses: [{ id: 'wacid.X', type: 'call', status: 'BUSY', timestamp: '1', recipient_id: '1' }] }))).toThrow(
      /value\.statuses\[0\]\.status: must be one of: RINGING, ACCEPTED, REJECTED/,
    );
    expect(() => parseWebhookPayload(wrap('calls', {}))).toThrow(/value\.statuses: is required/);
  });

  it('keeps fields it does not understand as unknown events, deduplicated by content', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [{ id: WABA, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } }] }],
    };
    const [a] = parseWebhookPayload(payload);
    const [b] = parseWebhookPayload(JSON.parse(JSON.stringify(payload)));
    expect(a).toMatchObject({ kind: 'unknown', field: 'message_template_status_update', wabaId: WABA, phoneNumberId: '', value: { event: 'APPROVED' } });
    expect(a.dedupeKey).toBe(b.dedupeKey);
    expect(a.dedupeKey).toMatch(/^message_template_status_update:/);
  });

  it('emits one event per message / status across entries and changes', () => {
    const one = wrap('messages', { contacts, messages: [{ from: '5511987654321', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'a' } }] });
    const two = wrap('messages', { statuses: [{ id: 'wamid.2', status: 'read', timestamp: '2', recipient_id: '5511987654321' }] });
    const events = parseWebhookPayload({ object: 'whatsapp_business_account', entry: [...one.entry, ...two.entry] });
    expect(events.map((e) => `${e.kind}:${e.dedupeKey}`)).toEqual(['message:wamid.1', 'status:wamid.2:read']);
  });

  it.each([
    ['a non-object', 'hello', '(root): must be a JSON object'],
    ['no entry array', { object: 'whatsapp_business_account' }, 'entry: must be array'],
    ['an entry without changes', { object: 'whatsapp_business_account', entry: [{ id: '1' }] }, 'entry[0].changes: must be array'],
    ['a change without a value', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages' }] }] }, 'entry[0].changes[0].value: must be object'],
    ['a message without metadata', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', statuses: [] } }] }] }, 'entry[0].changes[0].value.metadata: is required'],
  ])('throws InvalidWebhookPayloadError for %s', (_label, payload, expected) => {
    let error: unknown;
    try {
      parseWebhookPayload(payload);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidWebhookPayloadError);
    expect((error as InvalidWebhookPayloadError).errors).toContainEqual(expect.stringContaining(expected));
    expect((error as Error).message).toContain(expected);
  });
});

describe('parseWebhookPayload on real-traffic shapes the spec gets wrong', () => {
  it('accepts a text reply quoting a business message (context without referred_product)', () => {
    const [event] = parseWebhookPayload(
      wrap('messages', {
        contacts,
        messages: [{ from: '5511987654321', id: 'wamid.T', timestamp: '1', type: 'text', context: { from: '13175551399', id: 'wamid.BIZ' }, text: { body: 'sim' } }],
      }),
    ) as InboundMessageEvent[];
    expect(event).toMatchObject({ text: 'sim', context: { from: '13175551399', id: 'wamid.BIZ' } });
  });

  it('reads a WhatsApp Flows completion (nfm_reply)', () => {
    const [event] = parseWebhookPayload(
      wrap('messages', {
        contacts,
        messages: [
          {
            from: '5511987654321',
            id: 'wamid.F',
            timestamp: '1',
            type: 'interactive',
            context: { from: '13175551399', id: 'wamid.FLOW' },
            interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{"flow_token":"t"}', body: 'Sent', name: 'flow' } },
          },
        ],
      }),
    ) as InboundMessageEvent[];
    expect(event.interactive).toEqual({ type: 'nfm_reply', responseJson: '{"flow_token":"t"}', body: 'Sent', name: 'flow' });
  });
});
