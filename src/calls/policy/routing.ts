import { SECOND_MS } from './durations';

export interface RoutingAgent {
  id: string;
  online: boolean;
  /** 0 = none; higher = more involved with this customer (assigned, previous orders, calls, conversations). */
  involvement: number;
  /** Last time the agent dealt with this customer (epoch ms); breaks involvement ties, most recent first. */
  lastInvolvedAt?: number;
}

export interface RingWaveOptions {
  /** How long the involved agents ring alone before the others join. */
  readonly escalateAfterMs: number;
}

/** Meta gives the business ~30–60 s to accept: involved agents get half of the shortest window. */
export const DEFAULT_RING_WAVE_OPTIONS = { escalateAfterMs: 15 * SECOND_MS } as const satisfies RingWaveOptions;

export interface RingWave<A extends RoutingAgent> {
  /** involved: agents who know the customer; others: the remaining online agents; everyone: nobody involved is online. */
  kind: 'involved' | 'others' | 'everyone';
  /** Delay after the call arrives before this wave starts ringing (earlier waves keep ringing). */
  startAfterMs: number;
  agents: A[];
}

export interface InviteCandidate<A extends RoutingAgent> {
  agent: A;
  /** Already involved with this customer: listed first. */
  specialist: boolean;
  online: boolean;
}

/** Being the customer's assigned agent outranks any number of earlier calls with them. */
const ASSIGNED_INVOLVEMENT = 1_000_000;

/** How involved an agent is with a customer: assigned to them, then the other calls they had with them. */
export function involvementScore(a: { assigned: boolean; previousCalls: number }): number {
  return (a.assigned ? ASSIGNED_INVOLVEMENT : 0) + a.previousCalls;
}

const isInvolved = (a: RoutingAgent): boolean => Number.isFinite(a.involvement) && a.involvement > 0;

/** Most involved first, then most recently involved, then input order (sort is stable). */
function byInvolvement(a: RoutingAgent, b: RoutingAgent): number {
  if (a.involvement !== b.involvement) return b.involvement - a.involvement;
  const recencyA = a.lastInvolvedAt ?? -Infinity;
  const recencyB = b.lastInvolvedAt ?? -Infinity;
  return recencyA === recencyB ? 0 : recencyB > recencyA ? 1 : -1;
}

/** Keeps the first entry per id: a duplicated agent must not be rung twice. */
function uniqueById<A extends RoutingAgent>(agents: readonly A[]): A[] {
  const seen = new Set<string>();
  return agents.filter((a) => {
    if (seen.has(a.id)) return false;
    seen.add(a.id);
    return true;
  });
}

/**
 * Who rings for a customer-initiated call, in waves: online agents involved with the customer
 * first, the other online agents after options.escalateAfterMs. When no involved agent is
 * online everyone online rings at once; nobody online gives no waves.
 */
export function ringWaves<A extends RoutingAgent>(
  agents: readonly A[],
  options: RingWaveOptions = DEFAULT_RING_WAVE_OPTIONS,
): RingWave<A>[] {
  const online = uniqueById(agents).filter((a) => a.online);
  if (online.length === 0) return [];
  const involved = online.filter(isInvolved).sort(byInvolvement);
  if (involved.length === 0) return [{ kind: 'everyone', startAfterMs: 0, agents: online }];
  const others = online.filter((a) => !isInvolved(a));
  const waves: RingWave<A>[] = [{ kind: 'involved', startAfterMs: 0, agents: involved }];
  if (others.length > 0) waves.push({ kind: 'others', startAfterMs: options.escalateAfterMs, agents: others });
  return waves;
}

/**
 * Colleagues an agent can invite into a call: specialists (involved with the customer) first,
 * then the rest, leaving out those already in the call. Within each group online agents come
 * first, since only they can answer the invitation now.
 */
export function inviteCandidates<A extends RoutingAgent>(agents: readonly A[], excludeIds: Iterable<string>): InviteCandidate<A>[] {
  const excluded = new Set(excludeIds);
  const available = uniqueById(agents).filter((a) => !excluded.has(a.id));
  const onlineFirst = (a: A, b: A): number => Number(b.online) - Number(a.online);
  const specialists = available.filter(isInvolved).sort((a, b) => onlineFirst(a, b) || byInvolvement(a, b));
  const rest = available.filter((a) => !isInvolved(a)).sort(onlineFirst);
  return [
    ...specialists.map((agent) => ({ agent, specialist: true, online: agent.online })),
    ...rest.map((agent) => ({ agent, specialist: false, online: agent.online })),
  ];
}
