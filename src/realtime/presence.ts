/**
 * Presence: an agent's open realtime stream (GET /v1/events) refreshes agents.last_seen_at when
 * it connects and with every heartbeat, so an agent is online while last seen within two
 * heartbeats and some slack. One definition for routing calls, invitations and participant lists.
 */
export const PRESENCE_HEARTBEAT_MS = 25_000;
export const ONLINE_WITHIN_MS = 60_000;
