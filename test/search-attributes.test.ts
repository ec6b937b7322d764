import { Connection, type Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import {
  RECADO_SEARCH_ATTRIBUTES,
  RecadoAccountId,
  RecadoContactId,
  RecadoKind,
  RecadoWhatsAppNumberId,
} from '../workflows/search-attributes';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { callPermissionWorkflowId } from '../workflows/call-permission.workflow';
import { startCallingStack } from './support/calling';
import { TEST_NAMESPACE, apiClient, createTenant, eventually, randomWaId, temporalClient } from './support/stack';

/** Ops filter the Temporal UI by account, customer, number and kind: every workflow carries them. */
describe('search attributes', () => {
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let temporal: Client;

  beforeAll(async () => {
    stack = await startCallingStack();
    temporal = await temporalClient(stack.config);
  });
  afterAll(async () => {
    await temporal.connection.close();
    await stack.stop();
  });

  /** Visibility is eventually consistent: a started workflow shows up in a list a moment later. */
  const findIds = (query: string, what: string) =>
    eventually(async () => {
      const ids: string[] = [];
      for await (const wf of temporal.workflow.list({ query })) ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    }, 20_000, what);

  it('are registered with their types in the test namespace and the app namespace', async () => {
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      const appNamespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
      expect(appNamespace).not.toBe(TEST_NAMESPACE);
      for (const namespace of [TEST_NAMESPACE, appNamespace]) {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        for (const key of RECADO_SEARCH_ATTRIBUTES) {
          expect({ namespace, name: key.name, type: customAttributes?.[key.name] }).toEqual({
            namespace,
            name: key.name,
            type: proto.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
          });
        }
      }
    } finally {
      await connection.close();
    }
  });

  it('find a message sent through the API by account and kind, carrying its contact and number', async () => {
    const tenant = await createTenant(stack.api, stack.config);
    const to = randomWaId();
    stack.sim.simulator.customerSendsMessage(to, { phoneNumberId: tenant.phoneNumberId, text: 'Olá' });
    const sent = await tenant.call('POST', '/v1/messages', {
      whatsapp_number_id: tenant.numberId,
      to,
      type: 'text',
      text: { body: 'Oi! Em que posso ajudar?' },
    });
    expect(sent.status).toBe(202);

    const query = `RecadoAccountId = '${tenant.accountId}' AND RecadoKind = 'message'`;
    expect(await findIds(query, 'the send workflow by account and kind')).toEqual([sendMessageWorkflowId(sent.body.id)]);
    const { typedSearchAttributes } = await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).describe();
    expect(typedSearchAttributes.get(RecadoContactId)).toBe(sent.body.contact_id);
    expect(typedSearchAttributes.get(RecadoWhatsAppNumberId)).toBe(tenant.numberId);
    // Let the send finish, so that this test leaves nothing running.
    await eventually(async () => ((await tenant.call('GET', `/v1/messages/${sent.body.id}`)).body.state === 'delivered' ? true : undefined), 20_000, 'delivered');
    // Another account's filter does not see it.
    const other = await createTenant(stack.api, stack.config);
    const ofOther: string[] = [];
    for await (const wf of temporal.workflow.list({ query: `RecadoAccountId = '${other.accountId}'` })) ofOther.push(wf.workflowId);
    expect(ofOther).toEqual([]);
  });

  it('find a permission request, the message its workflow starts as a child, and a business call by Meta\'s call id', async () => {
    const tenant = await createTenant(stack.api, stack.config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${Date.now()}@example.com` });
    const waId = randomWaId();
    stack.sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Pode me ligar?' });
    const contact = await eventually(async () => (await tenant.call('GET', `/v1/contacts?wa_id=${waId}`)).body[0], 10_000, 'the contact');
    const asAgent = apiClient(stack.api.url, agent.body.api_key.key);
    const requested = await asAgent('POST', '/v1/call-permissions/requests', { whatsapp_number_id: tenant.numberId, contact_id: contact.id });
    expect(requested.status).toBe(202);

    const byContact = `RecadoContactId = '${contact.id}' AND RecadoWhatsAppNumberId = '${tenant.numberId}'`;
    expect(await findIds(`${byContact} AND RecadoKind = 'permission'`, 'the permission workflow')).toEqual([
      callPermissionWorkflowId(tenant.numberId, contact.id),
    ]);
    const children = await findIds(`${byContact} AND RecadoKind = 'message'`, 'the request message started as a child');
    expect(children).toEqual([sendMessageWorkflowId(requested.body.message_id)]);
    const child = await temporal.workflow.getHandle(children[0]).describe();
    expect(child.typedSearchAttributes.get(RecadoAccountId)).toBe(tenant.accountId);
    expect(child.typedSearchAttributes.get(RecadoKind)).toBe('message');
    expect(await temporal.workflow.getHandle(children[0]).result()).toMatchObject({ state: 'accepted' });

    // Meta's call id exists only once the call is placed: the business call's workflow adds it then.
    stack.sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
    const pair = `whatsapp_number_id=${tenant.numberId}&contact_id=${contact.id}`;
    await eventually(async () => ((await asAgent('GET', `/v1/call-permissions?${pair}`)).body.status === 'granted' ? true : undefined), 10_000, 'granted');
    const started = await asAgent('POST', '/v1/calls', { whatsapp_number_id: tenant.numberId, contact_id: contact.id });
    expect(started.status).toBe(201);
    const atMeta = await eventually(async () => stack.sim.simulator.calls().find((c) => c.waId === waId), 10_000, 'the call at Meta');
    const calls = await findIds(
      `RecadoWhatsAppCallId = '${atMeta.id}' AND RecadoKind = 'call' AND RecadoCallDirection = 'business_initiated' AND ${byContact}`,
      'the business call by its Meta call id',
    );
    expect(calls).toEqual([`call-${started.body.call.id}`]);
    stack.sim.simulator.customerRejectsCall(atMeta.id);
    expect(await temporal.workflow.getHandle(calls[0]).result()).toBe('rejected');
  });
});
