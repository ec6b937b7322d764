import type { PoolClient } from 'pg';
import type { MessageCategory } from '../../messages/messages.repository';
import type { ChannelDrivers, MessageContent } from '../driver';
import type { PriceTable } from '../pricing/price-table';
import type { DispatchesRepository, DispatchRow } from './dispatches.repository';
import { DEFAULT_ROUTING_POLICY, MESSAGE_CATEGORIES, planRoute, type AccountChannels, type RouteCandidate, type RoutingPolicy } from './plan';

export interface RoutedDispatchDeps {
  repository: DispatchesRepository;
  drivers: ChannelDrivers;
  prices: PriceTable;
}

export type RoutedDispatch =
  | { outcome: 'created'; row: DispatchRow; created: boolean }
  | { outcome: 'no_contact' }
  | { outcome: 'unreachable'; reason: string };

/** The account's saved routing policy over the default (a category it leaves out keeps the default). */
export function policyFrom(saved: Partial<RoutingPolicy> | undefined): RoutingPolicy {
  const policy = { ...DEFAULT_ROUTING_POLICY };
  for (const category of MESSAGE_CATEGORIES) if (Array.isArray(saved?.[category])) policy[category] = saved[category];
  return policy;
}

/** Only the channels whose driver this process runs. */
function setUp(channels: AccountChannels, drivers: ChannelDrivers): AccountChannels {
  const out = { ...channels };
  for (const channel of Object.keys(out) as Array<keyof AccountChannels>) if (!drivers.has(channel)) out[channel] = [];
  return out;
}

/**
 * Plans a routed message (the cheapest channels that reach the contact, planRoute) and stores it
 * as a dispatch, for POST /v1/dispatches and for the paced outbox alike. `db`: the caller's
 * transaction, if any. `allow` narrows the plan (the outbox: marketing only where opted in).
 * The caller starts dispatchWorkflow; a dispatch whose workflow never started is started by
 * DispatchesService's sweep.
 */
export async function createRoutedDispatch(
  deps: RoutedDispatchDeps,
  d: {
    id: string;
    accountId: string;
    contactId: string;
    category: MessageCategory;
    content: MessageContent;
    idempotencyKey: string | null;
    now: number;
    db?: PoolClient;
    allow?: (candidate: RouteCandidate) => boolean;
  },
): Promise<RoutedDispatch> {
  const { repository } = deps;
  const db = d.db;
  const reach = await repository.reachOf(d.accountId, d.contactId, db);
  if (!reach) return { outcome: 'no_contact' };
  const channels = await repository.channelsOf(d.accountId, db);
  const planned = planRoute({
    category: d.category,
    content: d.content,
    reach,
    channels: setUp(channels, deps.drivers),
    policy: policyFrom(await repository.policyOf(d.accountId, db)),
    prices: deps.prices,
    now: d.now,
  });
  const plan = d.allow ? planned.filter(d.allow) : planned;
  if (plan.length === 0) {
    return { outcome: 'unreachable', reason: `no channel reaches contact ${d.contactId} for ${d.category} messages under this account's routing policy` };
  }
  const { row, created } = await repository.insert(
    { id: d.id, accountId: d.accountId, contactId: d.contactId, category: d.category, content: d.content, plan, idempotencyKey: d.idempotencyKey },
    db,
  );
  return { outcome: 'created', row, created };
}
