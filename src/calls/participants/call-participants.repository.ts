import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import { ONLINE_WITHIN_MS } from '../../realtime/presence';
import { involvementScore, type RoutingAgent } from '../policy';

export type ParticipantState = 'invited' | 'joined' | 'declined' | 'left' | 'removed';
/** States that mean the agent is on the call, or about to be. */
export const ACTIVE_PARTICIPANT_STATES: readonly ParticipantState[] = ['invited', 'joined'];
/** States of an agent who actually took part in a call. */
const TOOK_PART: readonly ParticipantState[] = ['joined', 'left', 'removed'];

export interface ParticipantRow {
  call_id: string;
  account_id: string;
  agent_id: string;
  role: 'host' | 'invitee';
  state: ParticipantState;
  invited_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ParticipantWithAgentRow extends ParticipantRow {
  name: string;
  online: boolean;
}

export interface AgentPresenceRow {
  id: string;
  name: string;
  online: boolean;
}

/** An agent of the account and how involved they are with one customer. */
interface AgentInvolvementRow extends AgentPresenceRow {
  /** contacts.assigned_agent_id: the agent responsible for the customer. */
  assigned: boolean;
  /** Other calls with this customer the agent placed, answered or joined. */
  previous_calls: number;
  last_involved_at: Date | null;
}

/** An agent as routing and invitations rank them. */
export interface InvolvedAgent extends RoutingAgent {
  name: string;
  assigned: boolean;
  previousCalls: number;
}

/** SQL: agent `a` was seen within the milliseconds held by parameter $param. */
const online = (param: number) => `coalesce(a.last_seen_at > now() - $${param}::int * interval '1 millisecond', false)`;

@Injectable()
export class CallParticipantsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Every agent of the account with presence and involvement with the customer: assignment and
   * other calls with them (outbound messages do not record their agent yet, so conversations
   * cannot count). Who rings for a customer's call, and whom an agent can invite into one.
   */
  async involvedAgents(accountId: string, contactId: string, options: { excludeCallId?: string } = {}): Promise<InvolvedAgent[]> {
    const { rows } = await this.pool.query<AgentInvolvementRow>(
        `WITH past AS (
           SELECT c.id AS call_id, c.created_at, p.agent_id
             FROM calls c JOIN call_participants p ON p.call_id = c.id
            WHERE c.account_id = $1 AND c.contact_id = $2 AND c.id IS DISTINCT FROM $3::uuid AND p.state = ANY($5::text[])
           UNION
           SELECT c.id, c.created_at, c.agent_id FROM calls c
            WHERE c.account_id = $1 AND c.contact_id = $2 AND c.id IS DISTINCT FROM $3::uuid AND c.agent_id IS NOT NULL
         ), by_agent AS (
           SELECT agent_id, count(DISTINCT call_id)::int AS previous_calls, max(created_at) AS last_call_at
             FROM past GROUP BY agent_id
         )
         SELECT a.id, a.name, ${online(4)} AS online,
                coalesce(ct.assigned_agent_id = a.id, false) AS assigned,
                coalesce(b.previous_calls, 0) AS previous_calls, b.last_call_at AS last_involved_at
           FROM agents a
           LEFT JOIN contacts ct ON ct.account_id = a.account_id AND ct.id = $2
           LEFT JOIN by_agent b ON b.agent_id = a.id
          WHERE a.account_id = $1
          ORDER BY a.created_at, a.id`,
      [accountId, contactId, options.excludeCallId ?? null, ONLINE_WITHIN_MS, TOOK_PART],
    );
    return rows.map((a) => ({
      id: a.id,
      name: a.name,
      online: a.online,
      assigned: a.assigned,
      previousCalls: a.previous_calls,
      involvement: involvementScore({ assigned: a.assigned, previousCalls: a.previous_calls }),
      ...(a.last_involved_at ? { lastInvolvedAt: a.last_involved_at.getTime() } : {}),
    }));
  }

  async agents(accountId: string, ids: string[], onlineWithinMs = ONLINE_WITHIN_MS): Promise<AgentPresenceRow[]> {
    if (ids.length === 0) return [];
    return (
      await this.pool.query<AgentPresenceRow>(
        `SELECT a.id, a.name, ${online(3)} AS online FROM agents a WHERE a.account_id = $1 AND a.id = ANY($2::uuid[])`,
        [accountId, ids, onlineWithinMs],
      )
    ).rows;
  }

  /** The call's agents, host first, then in the order they were invited. */
  async listForCall(accountId: string, callId: string, onlineWithinMs = ONLINE_WITHIN_MS): Promise<ParticipantWithAgentRow[]> {
    return (
      await this.pool.query<ParticipantWithAgentRow>(
        `SELECT p.*, a.name, ${online(3)} AS online
           FROM call_participants p JOIN agents a ON a.account_id = p.account_id AND a.id = p.agent_id
          WHERE p.account_id = $1 AND p.call_id = $2
          ORDER BY (p.role = 'host') DESC, p.created_at, p.agent_id`,
        [accountId, callId, onlineWithinMs],
      )
    ).rows;
  }

  async find(accountId: string, callId: string, agentId: string): Promise<ParticipantRow | undefined> {
    return (
      await this.pool.query<ParticipantRow>(
        'SELECT * FROM call_participants WHERE account_id = $1 AND call_id = $2 AND agent_id = $3',
        [accountId, callId, agentId],
      )
    ).rows[0];
  }

  /**
   * Invites the agent into a call that has not ended. Someone who declined, left or was
   * removed can be invited again; undefined when the agent is already invited or on the call,
   * or the call ended meanwhile.
   */
  async invite(p: { accountId: string; callId: string; agentId: string; invitedBy: string }): Promise<ParticipantRow | undefined> {
    return (
      await this.pool.query<ParticipantRow>(
        `INSERT INTO call_participants (call_id, account_id, agent_id, role, state, invited_by)
         SELECT c.id, c.account_id, $3, 'invitee', 'invited', $4 FROM calls c
          WHERE c.account_id = $1 AND c.id = $2 AND c.ended_at IS NULL
         ON CONFLICT (call_id, agent_id) DO UPDATE
           SET state = 'invited', invited_by = EXCLUDED.invited_by, updated_at = now()
           WHERE call_participants.state <> ALL($5::text[])
         RETURNING *`,
        [p.accountId, p.callId, p.agentId, p.invitedBy, ACTIVE_PARTICIPANT_STATES],
      )
    ).rows[0];
  }

  /** Moves the participant from one of `from` to `to`; undefined when it was in none of them. */
  async transition(
    accountId: string,
    callId: string,
    agentId: string,
    from: readonly ParticipantState[],
    to: ParticipantState,
  ): Promise<ParticipantRow | undefined> {
    return (
      await this.pool.query<ParticipantRow>(
        `UPDATE call_participants SET state = $5, updated_at = now()
          WHERE account_id = $1 AND call_id = $2 AND agent_id = $3 AND state = ANY($4::text[])
          RETURNING *`,
        [accountId, callId, agentId, from, to],
      )
    ).rows[0];
  }
}
