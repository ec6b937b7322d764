import { getMetaSpec, META_PATHS } from './spec';
import { InvalidWebhookPayloadError, parseWebhookPayload, type CallEvent, type InboundMessageEvent } from './webhook-events';

const eventsOf = (payload: unknown) => parseWebhookPayload(payload).events;

const spec = getMetaSpec();
const examples = Object.entries(spec.requestExamples('post', META_PATHS.webhooks)) as Array<[string, { entry: Array<{ changes: Array<{ field: string; value: Record<string, unknown> }> }> }]>;

const WABA = '366634483210360';
const METADATA = { phone_number_id: '436666719526789', display_phone_number: '13175551399' };
const wrap = (field: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: WABA, changes: [{ value: { messaging_product: 'whatsapp', metadata: METADATA, ...value }, field }] }],
});
const contacts = [{ profile: { name: 'Maria Silva' }, wa_id: '5511987654321' }];

describe('parseWebhookPayload on the spec examples', () => {
  it.each(examples)('reads "%s" with nothing rejected', (_name, payload) => {
    const { events, rejected } = parseWebhookPayload(payload);
    const change = payload.entry[0].changes[0];
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.phoneNumberId).toBe('106540352242922');
    expect(event.field).toBe(change.field);
    if (change.field !== 'messages') {
      // Groups: described by the spec (some of its own examples contradict its types), not acted on.
      expect(event).toMatchObject({ kind: 'ignored', reason: `field ${change.field} is not handled` });
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

  it('reads interactive list and button replies', () => {
    const list = eventsOf(examples.find(([n]) => n === 'Interactive List Reply Message')![1])[0] as InboundMessageEvent;
    expect(list.interactive).toEqual({ type: 'list_reply', id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' });
    expect(list.context?.id).toMatch(/^wamid\./);
    const button = eventsOf(examples.find(([n]) => n === 'Interactive Button Reply Message')![1])[0] as InboundMessageEvent;
    expect(button.interactive).toEqual({ type: 'button_reply', id: 'cancel-button', title: 'Cancel' });
  });
});

describe('parseWebhookPayload on statuses and calls', () => {
  it('normalizes message statuses with biz_opaque_callback_data, pricing and errors; dedupeKey wamid:status', () => {
    const { events, warnings } = parseWebhookPayload(
      wrap('messages', {
        statuses: [
          { id: 'wamid.A', status: 'delivered', timestamp: '1750000001', recipient_id: '5511987654321', biz_opaque_callback_data: 'msg-1', pricing: { billable: false, pricing_model: 'PMP', category: 'service' } },
          { id: 'wamid.B', status: 'failed', timestamp: '1750000002', recipient_id: '5511987654321', errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'x' } }] },
        ],
      }),
    );
    expect(warnings).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'status', id: 'wamid.A', status: 'delivered', dedupeKey: 'wamid.A:delivered', recipientId: '5511987654321', bizOpaqueCallbackData: 'msg-1', pricing: { billable: false, pricing_model: 'PMP', category: 'service' }, wabaId: WABA, phoneNumberId: METADATA.phone_number_id }),
      expect.objectContaining({ kind: 'status', id: 'wamid.B', status: 'failed', dedupeKey: 'wamid.B:failed', errors: [expect.objectContaining({ code: 131026 })] }),
    ]);
  });

  it('reads played and username statuses (recipient_user_id, no recipient_id) without a warning', () => {
    const { events, warnings } = parseWebhookPayload(
      wrap('messages', { statuses: [{ id: 'wamid.V', status: 'played', timestamp: '1750000003', recipient_user_id: 'BR.1234567890' }] }),
    );
    expect(warnings).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'status', status: 'played', recipientUserId: 'BR.1234567890', dedupeKey: 'wamid.V:played' });
  });

  it('keeps a status value it does not know, lower-cased, with a warning naming the field', () => {
    const { events, warnings } = parseWebhookPayload(
      wrap('messages', { statuses: [{ id: 'wamid.N', status: 'Archived', timestamp: 1750000004, recipient_id: '5511987654321' }] }),
    );
    expect(events[0]).toMatchObject({ kind: 'status', status: 'archived', timestamp: '1750000004' });
    expect(warnings).toContainEqual('entry[0].changes[0].value.statuses[0].status: unknown value "Archived"');
    expect(warnings).toContainEqual('entry[0].changes[0].value.statuses[0].timestamp: number read as a string');
  });

  it('reads a call_permission_reply (accept, temporary) on the messages field', () => {
    const [event] = eventsOf(
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

  it('reads a call_permission_reply without context whose expiration_timestamp is a string (Meta reference form)', () => {
    const { events, rejected } = parseWebhookPayload(
      wrap('messages', {
        contacts,
        messages: [{ from: '5511987654321', id: 'wamid.P', timestamp: '1750000000', type: 'interactive', interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept', is_permanent: false, expiration_timestamp: '1750604800', response_source: 'user_action' } } }],
      }),
    );
    expect(rejected).toEqual([]);
    expect((events[0] as InboundMessageEvent).interactive).toEqual({ type: 'call_permission_reply', response: 'accept', isPermanent: false, expirationTimestamp: 1750604800, responseSource: 'user_action' });
  });

  it('reads the automatic revocation (reject, response_source automatic, no context)', () => {
    const [event] = eventsOf(
      wrap('messages', {
        contacts,
        messages: [{ from: '5511987654321', id: 'wamid.X', timestamp: '1750000000', type: 'interactive', interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'reject', response_source: 'automatic' } } }],
      }),
    ) as InboundMessageEvent[];
    expect(event.interactive).toEqual({ type: 'call_permission_reply', response: 'reject', isPermanent: false, expirationTimestamp: undefined, responseSource: 'automatic' });
  });

  it('rejects only the event that cannot be understood: its siblings are read', () => {
    const { events, rejected } = parseWebhookPayload(
      wrap('messages', {
        contacts,
        messages: [
          { from: '5511987654321', id: 'wamid.R', timestamp: '1', type: 'interactive', interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'maybe' } } },
          { from: '5511987654321', timestamp: '1', type: 'text', text: { body: 'no id' } },
          { from: '5511987654321', id: 'wamid.OK', timestamp: '1', type: 'text', text: { body: 'fine' } },
        ],
      }),
    );
    expect(events.map((e) => e.dedupeKey)).toEqual(['wamid.OK']);
    expect(rejected).toEqual([
      { at: 'entry[0].changes[0].value.messages[0]', reason: 'entry[0].changes[0].value.messages[0].interactive.call_permission_reply.response: must be accept or reject' },
      { at: 'entry[0].changes[0].value.messages[1]', reason: 'entry[0].changes[0].value.messages[1].id: is required' },
    ]);
  });

  it('reads a user-initiated connect with the SDP offer (Meta calling guide shape)', () => {
    const [event] = eventsOf(
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

  it('infers the direction of a connect that leaves it out from the SDP type, with a warning', () => {
    const { events, warnings } = parseWebhookPayload(
      wrap('calls', { contacts, calls: [{ id: 'wacid.U2', from: '5511987654321', event: 'connect', timestamp: '1671644824', session: { sdp_type: 'offer', sdp: 'v=0' } }] }),
    );
    expect(events[0]).toMatchObject({ kind: 'call', direction: 'USER_INITIATED', to: undefined });
    expect(warnings).toContainEqual('entry[0].changes[0].value.calls[0].direction: missing; inferred USER_INITIATED from the SDP offer');
  });

  it('reads a business-initiated connect whose contacts have no profile (business-initiated calling reference)', () => {
    const { events, rejected, warnings } = parseWebhookPayload(
      wrap('calls', {
        contacts: [{ wa_id: '12185552828' }],
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
    );
    expect(rejected).toEqual([]);
    expect(warnings).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'call', callId: 'wacid.B1', event: 'connect', session: { sdpType: 'answer' }, bizOpaqueCallbackData: 'TRx334DUDFTI4Mj', dedupeKey: 'wacid.B1:connect', contactName: undefined });
  });

  it('reads a terminate with status, times and duration; dedupeKey callId:terminate:STATUS', () => {
    const [event] = eventsOf(
      wrap('calls', {
        contacts,
        calls: [{ id: 'wacid.B1', to: '5511987654321', from: '13175551399', event: 'terminate', direction: 'BUSINESS_INITIATED', biz_opaque_callback_data: 'c-1', timestamp: '1671644944', status: 'COMPLETED', start_time: '1671644824', end_time: '1671644944', duration: 120 }],
      }),
    ) as CallEvent[];
    expect(event).toMatchObject({ kind: 'call', event: 'terminate', status: 'COMPLETED', startTime: '1671644824', endTime: '1671644944', duration: 120, bizOpaqueCallbackData: 'c-1', dedupeKey: 'wacid.B1:terminate:COMPLETED', contactName: 'Maria Silva' });
  });

  it('upper-cases a terminate status sent as "Failed", so one failure has one key', () => {
    const { events, warnings } = parseWebhookPayload(
      wrap('calls', { calls: [{ id: 'wacid.F', from: '5511987654321', to: '13175551399', event: 'terminate', direction: 'USER_INITIATED', timestamp: '1', status: 'Failed', duration: '0' }] }),
    );
    expect(events[0]).toMatchObject({ status: 'FAILED', duration: 0, dedupeKey: 'wacid.F:terminate:FAILED' });
    expect(warnings).toContainEqual('entry[0].changes[0].value.calls[0].status: "Failed" read as "FAILED"');
  });

  it.each(['RINGING', 'ACCEPTED', 'REJECTED'])('reads a %s call status; dedupeKey callId:status:STATUS', (status) => {
    const [event] = eventsOf(
      wrap('calls', { statuses: [{ id: 'wacid.B1', timestamp: '1671644824', type: 'call', status, recipient_id: '12185552828', biz_opaque_callback_data: 'c-1' }] }),
    );
    expect(event).toMatchObject({ kind: 'call_status', callId: 'wacid.B1', status, recipientId: '12185552828', bizOpaqueCallbackData: 'c-1', dedupeKey: `wacid.B1:status:${status}` });
  });

  it('reports deviations from the calls schema as warnings, not rejections', () => {
    const { events, rejected, warnings } = parseWebhookPayload(
      wrap('calls', { statuses: [{ id: 'wacid.X', type: 'call', status: 'BUSY', timestamp: '1', recipient_id: '1' }] }),
    );
    expect(rejected).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'call_status', status: 'BUSY' });
    expect(warnings).toContainEqual('entry[0].changes[0].value.statuses[0].status: unknown value "BUSY"');
    expect(warnings).toContainEqual(expect.stringMatching(/^schema: entry\[0\]\.changes\[0\]\.value\.statuses\[0\]\.status: must be one of: RINGING, ACCEPTED, REJECTED/));
  });

  it('rejects a call without its id, naming the field', () => {
    const { events, rejected } = parseWebhookPayload(wrap('calls', { calls: [{ event: 'connect', timestamp: '1', from: '1' }] }));
    expect(events).toEqual([]);
    expect(rejected).toEqual([{ at: 'entry[0].changes[0].value.calls[0]', reason: 'entry[0].changes[0].value.calls[0].id: is required' }]);
  });

  it('reads fields it does not act on as ignored events, deduplicated by content', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [{ id: WABA, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } }] }],
    };
    const [a] = eventsOf(payload);
    const [b] = eventsOf(JSON.parse(JSON.stringify(payload)));
    expect(a).toMatchObject({ kind: 'ignored', field: 'message_template_status_update', wabaId: WABA, phoneNumberId: '' });
    expect(a.dedupeKey).toBe(b.dedupeKey);
    expect(a.dedupeKey).toMatch(/^message_template_status_update:/);
  });

  it('ignores messages in a group conversation', () => {
    const [event] = eventsOf(
      wrap('messages', { messages: [{ from: '5511987654321', group_id: 'G1', id: 'wamid.G', timestamp: '1', type: 'text', text: { body: 'oi' } }] }),
    );
    expect(event).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('group messages are not handled') });
  });

  it('emits one event per message / status across entries and changes', () => {
    const one = wrap('messages', { contacts, messages: [{ from: '5511987654321', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'a' } }] });
    const two = wrap('messages', { statuses: [{ id: 'wamid.2', status: 'read', timestamp: '2', recipient_id: '5511987654321' }] });
    const events = eventsOf({ object: 'whatsapp_business_account', entry: [...one.entry, ...two.entry] });
    expect(events.map((e) => `${e.kind}:${e.dedupeKey}`)).toEqual(['message:wamid.1', 'status:wamid.2:read']);
  });

  it.each([
    ['a non-object', 'hello', '(root): must be a JSON object'],
    ['no entry array', { object: 'whatsapp_business_account' }, 'entry: must be an array'],
  ])('throws InvalidWebhookPayloadError for %s', (_label, payload, expected) => {
    expect(() => parseWebhookPayload(payload)).toThrow(InvalidWebhookPayloadError);
    expect(() => parseWebhookPayload(payload)).toThrow(expected);
  });

  it.each([
    ['a change without a value', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages' }] }] }, 'entry[0].changes[0].value: must be an object'],
    ['a messages change without metadata', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', statuses: [] } }] }] }, 'entry[0].changes[0].value.metadata.phone_number_id: is required'],
  ])('rejects %s, naming the field', (_label, payload, expected) => {
    const { events, rejected } = parseWebhookPayload(payload);
    expect(events).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual([expected]);
  });

  it('skips an entry without changes with a warning', () => {
    const { events, warnings } = parseWebhookPayload({ object: 'whatsapp_business_account', entry: [{ id: '1' }] });
    expect(events).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('parseWebhookPayload on real-traffic shapes the spec gets wrong', () => {
  it('accepts a text reply quoting a business message (context without referred_product)', () => {
    const [event] = eventsOf(
      wrap('messages', {
        contacts,
        messages: [{ from: '5511987654321', id: 'wamid.T', timestamp: '1', type: 'text', context: { from: '13175551399', id: 'wamid.BIZ' }, text: { body: 'sim' } }],
      }),
    ) as InboundMessageEvent[];
    expect(event).toMatchObject({ text: 'sim', context: { from: '13175551399', id: 'wamid.BIZ' } });
  });

  it('reads a WhatsApp Flows completion (nfm_reply)', () => {
    const [event] = eventsOf(
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
