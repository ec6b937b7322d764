import { DEFAULT_RING_WAVE_OPTIONS, involvementScore, inviteCandidates, ringWaves, type RoutingAgent } from './routing';

const agent = (id: string, online: boolean, involvement = 0, lastInvolvedAt?: number): RoutingAgent => ({
  id,
  online,
  involvement,
  ...(lastInvolvedAt === undefined ? {} : { lastInvolvedAt }),
});
const ids = (agents: { id: string }[]) => agents.map((a) => a.id);

describe('ringWaves', () => {
  it('rings online involved agents first, most involved then most recent, and the other online agents later', () => {
    const waves = ringWaves([
      agent('ana', true),
      agent('bia', true, 1, 500),
      agent('caio', false, 9),
      agent('davi', true, 3, 100),
      agent('eva', true, 1, 900),
      agent('fabio', false),
      agent('gil', true, 3, 200),
      agent('hugo', true),
    ]);
    expect(waves.map((w) => [w.kind, w.startAfterMs, ids(w.agents)])).toEqual([
      ['involved', 0, ['gil', 'davi', 'eva', 'bia']],
      ['others', DEFAULT_RING_WAVE_OPTIONS.escalateAfterMs, ['ana', 'hugo']],
    ]);
  });

  it('puts agents without a last-involved time after those with one, else keeps input order', () => {
    const waves = ringWaves([agent('a', true, 2), agent('b', true, 2, 10), agent('c', true, 2), agent('d', true, 2, 10)]);
    expect(ids(waves[0].agents)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('rings everybody online at once when no involved agent is online', () => {
    const waves = ringWaves([agent('ana', true), agent('caio', false, 5), agent('hugo', true)]);
    expect(waves).toEqual([{ kind: 'everyone', startAfterMs: 0, agents: [agent('ana', true), agent('hugo', true)] }]);
  });

  it('has a single wave when every online agent is involved', () => {
    expect(ringWaves([agent('a', true, 1), agent('b', false)]).map((w) => w.kind)).toEqual(['involved']);
  });

  it('has no waves when nobody is online', () => {
    expect(ringWaves([agent('a', false, 3), agent('b', false)])).toEqual([]);
    expect(ringWaves([])).toEqual([]);
  });

  it('does not count zero, negative or non-numeric involvement', () => {
    const waves = ringWaves([agent('neg', true, -1), agent('nan', true, Number.NaN), agent('zero', true, 0)]);
    expect(waves.map((w) => [w.kind, ids(w.agents)])).toEqual([['everyone', ['neg', 'nan', 'zero']]]);
  });

  it('rings a duplicated agent once', () => {
    const waves = ringWaves([agent('a', true, 2), agent('a', true, 2), agent('b', true)]);
    expect(waves.map((w) => ids(w.agents))).toEqual([['a'], ['b']]);
  });

  it('takes the escalation delay as an option and keeps callers’ extra fields', () => {
    const waves = ringWaves([{ ...agent('a', true, 1), name: 'Ana' }, { ...agent('b', true), name: 'Bia' }], { escalateAfterMs: 5_000 });
    expect(waves[1]).toEqual({ kind: 'others', startAfterMs: 5_000, agents: [{ id: 'b', online: true, involvement: 0, name: 'Bia' }] });
    expect(waves[0].agents[0].name).toBe('Ana');
  });
});

describe('inviteCandidates', () => {
  const team = [
    agent('luis', true, 4, 100), // already in the call
    agent('ana', false),
    agent('fernando', true, 2, 50),
    agent('bia', true),
    agent('carla', false, 5, 10),
    agent('davi', true, 2, 80),
  ];

  it('lists specialists first, then the rest, online first within each, without those in the call', () => {
    expect(inviteCandidates(team, ['luis']).map((c) => [c.agent.id, c.specialist, c.online])).toEqual([
      ['davi', true, true],
      ['fernando', true, true],
      ['carla', true, false],
      ['bia', false, true],
      ['ana', false, false],
    ]);
  });

  it('accepts any iterable of ids to exclude', () => {
    expect(ids(inviteCandidates(team, new Set(['luis', 'davi', 'bia'])).map((c) => c.agent))).toEqual(['fernando', 'carla', 'ana']);
  });

  it('is empty when everybody is already in the call', () => {
    expect(inviteCandidates(team, ids(team))).toEqual([]);
  });

  it('lists a duplicated agent once', () => {
    expect(inviteCandidates([agent('a', true), agent('a', true)], [])).toHaveLength(1);
  });
});

describe('involvementScore', () => {
  it('ranks the assigned agent above any number of other calls, then by calls; nobody involved scores 0', () => {
    const assigned = involvementScore({ assigned: true, previousCalls: 0 });
    const manyCalls = involvementScore({ assigned: false, previousCalls: 500 });
    expect(assigned).toBeGreaterThan(manyCalls);
    expect(involvementScore({ assigned: true, previousCalls: 1 })).toBeGreaterThan(assigned);
    expect(manyCalls).toBeGreaterThan(involvementScore({ assigned: false, previousCalls: 1 }));
    expect(involvementScore({ assigned: false, previousCalls: 0 })).toBe(0);
  });
});
