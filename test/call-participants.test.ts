import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { TokenVerifier } from 'livekit-server-sdk';
import { createPool } from '../src/db/database';
import { BlockedCallersRepository } from '../src/calls/participants/blocked-callers.repository';
import type { RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { startCallingStack } from './support/calling';
import { joinLiveKitRoom } from './support/livekit';
import { readEvents, type SseEvent } from './support/sse';
import { apiClient, createTenant, eventually, randomWaId, testConfig, type RunningApi } from './support/stack';

/**
 * During a call, end to end: a business call placed through the Connector simulator and the
 * WhatsApp simulator, colleagues invited over the realtime stream, joining the real
 * livekit-server room with the tokens recado hands out, mute/remove through LiveKit, and
 * blocking a customer from calling.
 */
describe('during a call: invites, participants and blocked callers', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;
  const sockets: Array<{ close(): void }> = [];

  beforeAll(async () => {
    stack = await startCallingStack({ CALL_RING_TIMEOUT: '60s' });
    ({ sim, api, config } = stack);
    pool = createPool(config.databaseUrl, 2);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await pool.end();
    await stack.stop();
  });

  type Client = ReturnType<typeof apiClient>;
  interface Agent {
    id: string;
    key: string;
    as: Client;
  }

  /** A tenant, five agents (Ana places the calls) and a customer who granted call permission. */
  async function team() {
    const tenant = await createTenant(api, config);
    const agents: Record<string, Agent> = {};
    for (const name of ['Ana', 'Bia', 'Carla', 'Davi', 'Edu']) {
      const created = await tenant.call('POST', '/v1/agents', { name, email: `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com` });
      agents[name] = { id: created.body.agent.id, key: created.body.api_key.key, as: apiClient(api.url, created.body.api_key.key) };
    }
    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Pode me ligar?' });
    const contact = await eventually(async () => (await tenant.call('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);
    const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id as string };
    expect((await agents.Ana.as('POST', '/v1/call-permissions/requests', pair)).status).toBe(202);
    await eventually(async () => sim.simulator.messages({ to: waId })[0]);
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
    await eventually(async () =>
      (await tenant.call('GET', `/v1/call-permissions?whatsapp_number_id=${tenant.numberId}&contact_id=${contact.id}`)).body.status === 'granted'
        ? true
        : undefined,
    );
    return { tenant, agents, waId, pair };
  }

  /** Ana calls the customer, who picks up. */
  async function connectedCall(t: Awaited<ReturnType<typeof team>>) {
    const started = await t.agents.Ana.as('POST', '/v1/calls', t.pair);
    expect(started.status).toBe(201);
    const atMeta = await eventually(async () => sim.simulator.calls().find((c) => c.waId === t.waId && c.state !== 'ended'));
    await callState(t.agents.Ana.as, started.body.call.id, 'ringing');
    sim.simulator.customerAcceptsCall(atMeta.id);
    await callState(t.agents.Ana.as, started.body.call.id, 'accepted');
    return { id: started.body.call.id as string, room: `call-${started.body.call.id}`, hostToken: started.body.join.token as string };
  }

  const callState = (call: Client, id: string, state: string) =>
    eventually(async () => ((await call('GET', `/v1/calls/${id}`)).body.state === state ? true : undefined), 20_000, `call ${id} ${state}`);

  /** The agent's realtime stream: opening it is also what makes the agent online. */
  const stream = (agent: Agent) => fetch(`${api.url}/v1/events?access_token=${agent.key}`);

  const ids = (list: Array<{ agent_id: string }>) => list.map((c) => c.agent_id);

  const joinRoom = async (token: string) => {
    sockets.push(await joinLiveKitRoom(config.livekit.url, token));
  };

  describe('one team through two calls with the same customer', () => {
    let t: Awaited<ReturnType<typeof team>>;
    let call: Awaited<ReturnType<typeof connectedCall>>;
    let anaEvents: Promise<SseEvent[]>;

    beforeAll(async () => {
      t = await team();
      // Bia is the customer's assigned agent.
      const assigned = await t.tenant.call('PUT', `/v1/contacts/${t.pair.contact_id}/assigned-agent`, { assigned_agent_id: t.agents.Bia.id });
      expect(assigned.status).toBe(200);
      call = await connectedCall(t);
    });

    it('lists invite candidates specialists first, with who is online', async () => {
      const carla = await stream(t.agents.Carla);
      const davi = await stream(t.agents.Davi);
      expect([carla.status, davi.status]).toEqual([200, 200]);
      await Promise.all([readEvents(carla, (e) => e.event === 'ready'), readEvents(davi, (e) => e.event === 'ready')]);

      const candidates = await eventually(async () => {
        const res = await t.agents.Ana.as('GET', `/v1/calls/${call.id}/invite-candidates`);
        return res.body.filter((c: any) => c.online).length === 2 ? res : undefined;
      });
      expect(candidates.status).toBe(200);
      // Bia (assigned) is the only specialist; Ana, on the call, is left out.
      expect(candidates.body).toEqual([
        { agent_id: t.agents.Bia.id, name: 'Bia', online: false, specialist: true, assigned: true, previous_calls: 0 },
        { agent_id: t.agents.Carla.id, name: 'Carla', online: true, specialist: false, assigned: false, previous_calls: 0 },
        { agent_id: t.agents.Davi.id, name: 'Davi', online: true, specialist: false, assigned: false, previous_calls: 0 },
        { agent_id: t.agents.Edu.id, name: 'Edu', online: false, specialist: false, assigned: false, previous_calls: 0 },
      ]);
      // A system key sees the same list.
      expect(ids((await t.tenant.call('GET', `/v1/calls/${call.id}/invite-candidates`)).body)).toEqual(ids(candidates.body));
    });

    it('invites Carla in real time (only her), she accepts with a token for the same room, and Ana is told', async () => {
      const carlaStream = await stream(t.agents.Carla);
      const daviStream = await stream(t.agents.Davi);
      const anaStream = await stream(t.agents.Ana);
      const carlaEvents = readEvents(carlaStream, (e) => e.event === 'call.invited');
      // call.invited is published before call.participants_changed: Davi must see the latter only.
      const daviEvents = readEvents(daviStream, (e) => e.event === 'call.participants_changed' || e.event === 'call.invited');
      anaEvents = readEvents(anaStream, (e) => e.event === 'call.invite_accepted');
      await new Promise((r) => setTimeout(r, 300)); // let the streams subscribe

      const invited = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Carla.id });
      expect(invited.status).toBe(201);
      expect(invited.body).toMatchObject({ call_id: call.id, agent_id: t.agents.Carla.id, role: 'invitee', state: 'invited', invited_by: t.agents.Ana.id });

      const modal = (await carlaEvents).find((e) => e.event === 'call.invited')!;
      expect(modal.data).toEqual({
        call_id: call.id,
        contact_id: t.pair.contact_id,
        whatsapp_number_id: t.pair.whatsapp_number_id,
        direction: 'business_initiated',
        invited_by: t.agents.Ana.id,
      });
      const seenByDavi = await daviEvents;
      expect(seenByDavi.map((e) => e.event)).not.toContain('call.invited');
      expect(seenByDavi.at(-1)!.data).toEqual({ call_id: call.id, identity: `agent:${t.agents.Carla.id}`, agent_id: t.agents.Carla.id, state: 'invited' });

      // Invited twice, or inviting someone already on the call: 409.
      const again = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Carla.id });
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/^agent_id: .* already invited/);
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Ana.id })).status).toBe(409);

      const accepted = await t.agents.Carla.as('POST', `/v1/calls/${call.id}/invites/accept`);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toEqual({ url: config.livekit.url.replace(/^http/, 'ws'), token: expect.any(String), expires_at: expect.any(String) });
      const grant = await new TokenVerifier(config.livekit.apiKey, config.livekit.apiSecret).verify(accepted.body.token);
      expect(grant.sub).toBe(`agent:${t.agents.Carla.id}`);
      expect(grant.video).toMatchObject({ roomJoin: true, room: call.room });
      expect(new Date(accepted.body.expires_at).getTime()).toBe(grant.exp! * 1000);

      const told = (await anaEvents).find((e) => e.event === 'call.invite_accepted')!;
      expect(told.data).toEqual({ call_id: call.id, agent_id: t.agents.Carla.id });
      // Accepting again (a retried request) hands out a fresh token.
      expect((await t.agents.Carla.as('POST', `/v1/calls/${call.id}/invites/accept`)).status).toBe(200);

      // Someone never invited cannot accept.
      const uninvited = await t.agents.Edu.as('POST', `/v1/calls/${call.id}/invites/accept`);
      expect(uninvited.status).toBe(409);
      expect(uninvited.body.message).toMatch(/no pending invitation/);
      await joinRoom(call.hostToken);
      await joinRoom(accepted.body.token);
    });

    it('brings a third agent in (Carla invites Davi): three agents on the call, in the room', async () => {
      expect((await t.agents.Carla.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Davi.id })).status).toBe(201);
      const davi = await t.agents.Davi.as('POST', `/v1/calls/${call.id}/invites/accept`);
      expect(davi.status).toBe(200);
      await joinRoom(davi.body.token);

      const participants = await eventually(async () => {
        const res = await t.agents.Ana.as('GET', `/v1/calls/${call.id}/participants`);
        return res.body.filter((p: any) => p.in_room).length === 3 ? res.body : undefined;
      });
      const agentView = (name: string, role: string) => ({
        identity: `agent:${t.agents[name].id}`,
        kind: 'agent',
        agent_id: t.agents[name].id,
        name,
        role,
        state: 'joined',
        online: expect.any(Boolean),
        in_room: true,
        room_state: expect.stringMatching(/^(JOINING|JOINED|ACTIVE)$/),
        joined_room_at: expect.any(String),
        muted: null, // no audio published over a bare signalling connection
        audio_tracks: [],
      });
      expect(participants).toEqual([agentView('Ana', 'host'), agentView('Carla', 'invitee'), agentView('Davi', 'invitee')]);
      expect(participants[1].online).toBe(true);

      // Those on the call are no longer candidates.
      expect(ids((await t.agents.Ana.as('GET', `/v1/calls/${call.id}/invite-candidates`)).body)).toEqual([t.agents.Bia.id, t.agents.Edu.id]);
    });

    it('Edu declines: Ana is told, he can be invited again, and cannot accept a declined invitation', async () => {
      const anaStream = await stream(t.agents.Ana);
      const declinedEvent = readEvents(anaStream, (e) => e.event === 'call.invite_declined');
      await new Promise((r) => setTimeout(r, 300));
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Edu.id })).status).toBe(201);
      const declined = await t.agents.Edu.as('POST', `/v1/calls/${call.id}/invites/decline`);
      expect(declined.status).toBe(200);
      expect(declined.body).toMatchObject({ call_id: call.id, agent_id: t.agents.Edu.id, state: 'declined', invited_by: t.agents.Ana.id });
      expect((await declinedEvent).at(-1)!.data).toEqual({ call_id: call.id, agent_id: t.agents.Edu.id });

      expect((await t.agents.Edu.as('POST', `/v1/calls/${call.id}/invites/decline`)).body.state).toBe('declined');
      expect((await t.agents.Edu.as('POST', `/v1/calls/${call.id}/invites/accept`)).status).toBe(409);
      expect((await t.agents.Carla.as('POST', `/v1/calls/${call.id}/invites/decline`)).status).toBe(409);
      const list = (await t.agents.Ana.as('GET', `/v1/calls/${call.id}/participants`)).body;
      expect(list.find((p: any) => p.agent_id === t.agents.Edu.id)).toMatchObject({ state: 'declined', in_room: false });
      expect(ids((await t.agents.Ana.as('GET', `/v1/calls/${call.id}/invite-candidates`)).body)).toContain(t.agents.Edu.id);
    });

    it('mutes a participant and removes another from the real LiveKit room', async () => {
      const carla = `agent:${t.agents.Carla.id}`;
      const muted = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/${carla}/mute`, { muted: true });
      expect(muted.status).toBe(200);
      // The bare signalling connection publishes no audio: nothing to flip, but LiveKit found her.
      expect(muted.body).toEqual({ identity: carla, muted: true, track_sids: [] });
      const unmuted = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/${encodeURIComponent(carla)}/mute`, { muted: false });
      expect(unmuted.body).toEqual({ identity: carla, muted: false, track_sids: [] });
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/ghost/mute`, { muted: true })).status).toBe(404);

      const badMute = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/${carla}/mute`, { muted: 'yes' });
      expect(badMute.status).toBe(400);
      expect(badMute.body.message).toEqual(['muted must be a boolean']);
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/${carla}/mute`, {})).status).toBe(400);
      // Bia is not on the call.
      expect((await t.agents.Bia.as('POST', `/v1/calls/${call.id}/participants/${carla}/mute`, { muted: true })).status).toBe(403);

      const davi = `agent:${t.agents.Davi.id}`;
      const removed = await t.agents.Ana.as('DELETE', `/v1/calls/${call.id}/participants/${davi}`);
      expect(removed.status).toBe(200);
      expect(removed.body).toEqual({ identity: davi, removed_from_room: true, state: 'removed' });
      const after = await eventually(async () => {
        const list = (await t.agents.Ana.as('GET', `/v1/calls/${call.id}/participants`)).body;
        return list.find((p: any) => p.identity === davi && !p.in_room) ? list : undefined;
      });
      expect(after.find((p: any) => p.identity === davi)).toMatchObject({ state: 'removed', in_room: false });
      expect(after.filter((p: any) => p.in_room).map((p: any) => p.identity)).toEqual([`agent:${t.agents.Ana.id}`, carla]);
      // Removed, Davi can no longer act on the call; removing him again finds nobody in the room.
      expect((await t.agents.Davi.as('POST', `/v1/calls/${call.id}/participants/${carla}/mute`, { muted: true })).status).toBe(403);
      expect((await t.agents.Ana.as('DELETE', `/v1/calls/${call.id}/participants/${davi}`)).body).toEqual({
        identity: davi,
        removed_from_room: false,
        state: 'removed',
      });
      expect((await t.agents.Ana.as('DELETE', `/v1/calls/${call.id}/participants/nobody`)).status).toBe(404);

      // Carla leaves by removing herself.
      expect((await t.agents.Carla.as('DELETE', `/v1/calls/${call.id}/participants/${carla}`)).body).toEqual({
        identity: carla,
        removed_from_room: true,
        state: 'left',
      });
    });

    it('after the call ends nobody can be invited, and the next call lists those who took part as specialists', async () => {
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/hangup`)).status).toBe(202);
      await callState(t.agents.Ana.as, call.id, 'completed');
      const late = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Bia.id });
      expect(late.status).toBe(409);
      expect(late.body.message).toMatch(/has ended/);
      expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants/agent:${t.agents.Ana.id}/mute`, { muted: true })).status).toBe(409);
      const ended = (await t.agents.Ana.as('GET', `/v1/calls/${call.id}/participants`)).body;
      expect(ended.map((p: any) => [p.name, p.state, p.in_room])).toEqual([
        ['Ana', 'joined', false],
        ['Carla', 'left', false],
        ['Davi', 'removed', false],
        ['Edu', 'declined', false],
      ]);

      const next = await connectedCall(t);
      const [carla, davi] = await Promise.all([stream(t.agents.Carla), stream(t.agents.Davi)]);
      await Promise.all([readEvents(carla, (e) => e.event === 'ready'), readEvents(davi, (e) => e.event === 'ready')]);
      const candidates = await eventually(async () => {
        const list = (await t.agents.Ana.as('GET', `/v1/calls/${next.id}/invite-candidates`)).body;
        return list.filter((c: any) => c.online).length === 2 ? list : undefined;
      });
      // Specialists: Carla and Davi took part in the first call (online), Bia is assigned (offline:
      // online specialists come first); Edu only declined, so he is not involved.
      expect(candidates.map((c: any) => [c.name, c.specialist, c.online, c.previous_calls])).toEqual([
        ['Carla', true, true, 1],
        ['Davi', true, true, 1],
        ['Bia', true, false, 0],
        ['Edu', false, false, 0],
      ]);
      await t.agents.Ana.as('POST', `/v1/calls/${next.id}/hangup`);
      await callState(t.agents.Ana.as, next.id, 'completed');
    });
  });

  it('keeps calls, agents and contacts to their account, and names bad fields', async () => {
    const t = await team();
    const call = await connectedCall(t);
    const other = await createTenant(api, config);
    const stranger = (await other.call('POST', '/v1/agents', { name: 'Zé', email: `ze-${randomBytes(4).toString('hex')}@example.com` })).body;
    const asStranger = apiClient(api.url, stranger.api_key.key);

    expect((await other.call('GET', `/v1/calls/${call.id}/invite-candidates`)).status).toBe(404);
    expect((await other.call('GET', `/v1/calls/${call.id}/participants`)).status).toBe(404);
    expect((await asStranger('POST', `/v1/calls/${call.id}/invites`, { agent_id: stranger.agent.id })).status).toBe(404);
    expect((await asStranger('POST', `/v1/calls/${call.id}/invites/accept`)).status).toBe(404);
    expect((await other.call('DELETE', `/v1/calls/${call.id}/participants/agent:${t.agents.Ana.id}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/contacts/${t.pair.contact_id}/call-block`)).status).toBe(404);
    expect((await other.call('PUT', `/v1/contacts/${t.pair.contact_id}/call-block`)).status).toBe(404);

    // Another account's agent cannot be invited; an unknown one neither.
    const foreign = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: stranger.agent.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe(`agent ${stranger.agent.id} not found`);
    // Invitations come from an agent on the call: not a system key, not a colleague who is not on it.
    expect((await t.tenant.call('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Bia.id })).status).toBe(403);
    expect((await t.agents.Bia.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Carla.id })).status).toBe(403);

    const badAgent = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: 'x' });
    expect(badAgent.status).toBe(400);
    expect(badAgent.body.message).toEqual(['agent_id must be a UUID']);
    expect((await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, {})).body.message).toEqual(['agent_id must be a UUID']);
    const extra = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/invites`, { agent_id: t.agents.Bia.id, role: 'host' });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toEqual(['property role should not exist']);
    expect((await t.agents.Ana.as('GET', '/v1/calls/not-a-uuid/invite-candidates')).status).toBe(400);
    const badPath = await t.agents.Ana.as('POST', '/v1/calls/not-a-uuid/participants/x/mute', { muted: true });
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toEqual(['id must be a UUID']);
    const longIdentity = await t.agents.Ana.as('DELETE', `/v1/calls/${call.id}/participants/${'x'.repeat(300)}`);
    expect(longIdentity.status).toBe(400); // longer than any LiveKit participant identity
    const emptyIdentity = await t.agents.Ana.as('POST', `/v1/calls/${call.id}/participants//mute`, { muted: true });
    expect(emptyIdentity.status).toBe(404); // no such route
    expect((await t.agents.Ana.as('GET', '/v1/contacts/nope/call-block')).status).toBe(400);
    expect((await t.agents.Ana.as('GET', `/v1/contacts/${call.id}/call-block`)).status).toBe(404);

    await t.agents.Ana.as('POST', `/v1/calls/${call.id}/hangup`);
    await callState(t.agents.Ana.as, call.id, 'completed');
  });

  it('blocks a customer from calling and unblocks them', async () => {
    const tenant = await createTenant(api, config);
    const agent = (await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${randomBytes(4).toString('hex')}@example.com` })).body;
    const asAgent = apiClient(api.url, agent.api_key.key);
    const contact = (await tenant.call('POST', '/v1/contacts', { wa_id: randomWaId() })).body;
    const path = `/v1/contacts/${contact.id}/call-block`;
    const repository = new BlockedCallersRepository(pool);

    expect((await asAgent('GET', path)).body).toEqual({ contact_id: contact.id, blocked: false, blocked_at: null, blocked_by: null });
    expect(await repository.isCallerBlocked(tenant.accountId, contact.id)).toBe(false);

    const blocked = await asAgent('PUT', path);
    expect(blocked.status).toBe(200);
    expect(blocked.body).toEqual({ contact_id: contact.id, blocked: true, blocked_at: expect.any(String), blocked_by: agent.agent.id });
    expect(await repository.isCallerBlocked(tenant.accountId, contact.id)).toBe(true);
    // Another account's identical contact id is not blocked (ids are per account in the query).
    const other = await createTenant(api, config);
    expect(await repository.isCallerBlocked(other.accountId, contact.id)).toBe(false);

    // Blocking again (here with the system key) keeps the first block's time and author.
    expect((await tenant.call('PUT', path)).body).toEqual(blocked.body);
    expect((await tenant.call('GET', path)).body).toEqual(blocked.body);

    const unblocked = await asAgent('DELETE', path);
    expect(unblocked.status).toBe(200);
    expect(unblocked.body).toEqual({ contact_id: contact.id, blocked: false, blocked_at: null, blocked_by: null });
    expect(await repository.isCallerBlocked(tenant.accountId, contact.id)).toBe(false);
    expect((await asAgent('DELETE', path)).status).toBe(200);

    const bySystem = await tenant.call('PUT', path);
    expect(bySystem.body).toMatchObject({ blocked: true, blocked_by: null });
  });
});
