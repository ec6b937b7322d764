import { ApplicationFailure } from '@temporalio/activity';
import {
  AccessToken,
  ConnectorClient,
  DisconnectWhatsAppCallRequest_DisconnectReason,
  RoomAgentDispatch,
  RoomServiceClient,
  SessionDescription,
  TrackType,
  type ParticipantInfo,
} from 'livekit-server-sdk';
import {
  LIVEKIT_INVALID_INPUT,
  LIVEKIT_REQUEST_ERROR,
  classifyLiveKitError,
  isCallAlreadyEnded,
  isNotFound,
  type LiveKitRequestErrorDetails,
} from './livekit-errors';
import { RECORDER_IDENTITY_PREFIX } from '../src/calls/room-identities';

/**
 * LiveKit adapter: rooms, join tokens and participants on the LiveKit server, and calls
 * bridged to WhatsApp through LiveKit's Connector service (a LiveKit Cloud feature, mocked
 * locally by LiveKit's own test-server).
 *
 * Errors: bad input and requests LiveKit rejects (Twirp 4xx) fail the activity for good
 * (ApplicationFailure type LIVEKIT_INVALID_INPUT / LIVEKIT_REQUEST_ERROR); 5xx, 429, timeouts
 * and network errors throw LiveKitTransientError, which Temporal retries.
 */

export interface LiveKitActivityDeps {
  /** LiveKit server (rooms, participants), e.g. http://127.0.0.1:7880. */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Where the Connector service lives: the LiveKit Cloud project URL (self-hosted LiveKit has none). */
  connectorUrl: string;
  /** WhatsApp Cloud API version the Connector uses towards Meta; "v23.0" and "23.0" are both accepted. */
  whatsappCloudApiVersion: string;
  /** URL handed to clients with a join token when they reach LiveKit by another address; defaults to `url`. */
  publicUrl?: string;
  /** Timeout of one LiveKit API request, in seconds (the SDK's default is 10). */
  requestTimeoutSeconds?: number;
  /** TTL of a join token when the caller does not give one; DEFAULT_JOIN_TOKEN_TTL_SECONDS otherwise. */
  joinTokenTtlSeconds?: number;
}

/** A join token is a bearer credential for the room: short-lived by default. */
export const DEFAULT_JOIN_TOKEN_TTL_SECONDS = 600;
/** Upper bound on a join token's TTL, so a typo cannot mint a long-lived credential. */
export const MAX_JOIN_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Meta's limit on biz_opaque_callback_data. */
export const MAX_BIZ_OPAQUE_CALLBACK_DATA_LENGTH = 512;

export interface CallRoom {
  roomName: string;
  sid: string;
  maxParticipants: number;
  emptyTimeoutSeconds: number;
  metadata: string;
}

export interface JoinToken {
  token: string;
  /** WebSocket URL the client connects to with the token. */
  url: string;
  /** ISO 8601; the token's `exp` claim. */
  expiresAt: string;
}

export interface CallParticipant {
  sid: string;
  identity: string;
  name: string;
  /** JOINING, JOINED, ACTIVE, DISCONNECTED */
  state: string;
  /** STANDARD, AGENT, SIP, CONNECTOR (a WhatsApp caller bridged by the Connector), … */
  kind: string;
  metadata: string;
  /** ISO 8601, null while joining. */
  joinedAt: string | null;
  audioTracks: Array<{ sid: string; muted: boolean }>;
}

export type WhatsAppDisconnectReason = 'business_initiated' | 'user_initiated';
/** disconnected: the Connector let go of the call now; already_ended: it had ended before (either side). */
export type WhatsAppDisconnectOutcome = 'disconnected' | 'already_ended';

function invalid(message: string, field: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, LIVEKIT_INVALID_INPUT, { field });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty string`, field);
  return value;
}

function optionalCount(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw invalid(`${field} must be a non-negative integer`, field);
  return value;
}

/** A WhatsApp call bridged into a LiveKit room by the Connector (dialed or accepted). */
export interface WhatsAppBridge {
  phoneNumberId: string;
  roomName: string;
  /** Meta access token of the number; sent to LiveKit, never logged. */
  accessToken: string;
  bizOpaqueCallbackData?: string;
  /** Identity and name of the WhatsApp party's participant in the room (LiveKit advises no PII in the identity). */
  participantIdentity?: string;
  participantName?: string;
  participantMetadata?: string;
  /** LiveKit Agents (by agent name) to dispatch into the room. */
  dispatchAgents?: string[];
}

/** "v23.0" (the Graph API path form used elsewhere in recado) → "23.0" (the form the Connector declares). */
function cloudApiVersion(version: string): string {
  const normalized = version.trim().replace(/^v/i, '');
  if (!/^\d+\.\d+$/.test(normalized)) {
    throw new Error(`whatsappCloudApiVersion must look like "23.0" or "v23.0", got "${version}"`);
  }
  return normalized;
}

function websocketUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'ws$1://');
}

function tokenExpiry(jwt: string): string {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  if (typeof payload.exp !== 'number') throw new Error('LiveKit AccessToken produced a token without exp');
  return new Date(payload.exp * 1000).toISOString();
}

function toCallParticipant(p: ParticipantInfo): CallParticipant {
  // toJson renders the enums by name (kind, state) and int64 timestamps as strings.
  const json = p.toJson({ emitDefaultValues: true }) as { state?: string; kind?: string };
  return {
    sid: p.sid,
    identity: p.identity,
    name: p.name,
    state: json.state ?? String(p.state),
    kind: json.kind ?? String(p.kind),
    metadata: p.metadata,
    joinedAt: p.joinedAtMs > 0n ? new Date(Number(p.joinedAtMs)).toISOString() : p.joinedAt > 0n ? new Date(Number(p.joinedAt) * 1000).toISOString() : null,
    audioTracks: p.tracks.filter((t) => t.type === TrackType.AUDIO).map((t) => ({ sid: t.sid, muted: t.muted })),
  };
}

export function createLiveKitActivities(deps: LiveKitActivityDeps) {
  const clientOptions = deps.requestTimeoutSeconds ? { requestTimeout: deps.requestTimeoutSeconds } : undefined;
  const rooms = new RoomServiceClient(deps.url, deps.apiKey, deps.apiSecret, clientOptions);
  const connector = new ConnectorClient(deps.connectorUrl, deps.apiKey, deps.apiSecret, clientOptions);
  const apiVersion = cloudApiVersion(deps.whatsappCloudApiVersion);
  const joinUrl = websocketUrl(deps.publicUrl ?? deps.url);
  const defaultTtl = deps.joinTokenTtlSeconds ?? DEFAULT_JOIN_TOKEN_TTL_SECONDS;

  /** Runs one SDK call and classifies what it throws; `secrets` are scrubbed from error text. */
  async function call<T>(operation: string, fn: () => Promise<T>, secrets: Array<string | undefined> = []): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyLiveKitError(operation, err, [deps.apiSecret, ...secrets]);
    }
  }

  function bizOpaque(value: string | undefined): string | undefined {
    if (value !== undefined && value.length > MAX_BIZ_OPAQUE_CALLBACK_DATA_LENGTH) {
      throw invalid(
        `bizOpaqueCallbackData must be at most ${MAX_BIZ_OPAQUE_CALLBACK_DATA_LENGTH} characters`,
        'bizOpaqueCallbackData',
      );
    }
    return value;
  }

  /** What dialing and accepting a WhatsApp call tell the Connector alike. */
  function bridgeOptions(input: WhatsAppBridge) {
    return {
      whatsappPhoneNumberId: requireText(input.phoneNumberId, 'phoneNumberId'),
      whatsappApiKey: requireText(input.accessToken, 'accessToken'),
      whatsappCloudApiVersion: apiVersion,
      whatsappBizOpaqueCallbackData: bizOpaque(input.bizOpaqueCallbackData),
      roomName: requireText(input.roomName, 'roomName'),
      agents: input.dispatchAgents?.map((agentName) => new RoomAgentDispatch({ agentName })),
      participantIdentity: input.participantIdentity,
      participantName: input.participantName,
      participantMetadata: input.participantMetadata,
    };
  }

  return {
    /**
     * Creates the call's room. Idempotent: for an existing room LiveKit returns it as it is
     * (the options given here are then ignored, as the returned values show).
     */
    async createCallRoom(input: {
      roomName: string;
      maxParticipants?: number;
      /** Seconds the room stays open before anyone joins. */
      emptyTimeoutSeconds?: number;
      /** Seconds the room stays open after the last participant leaves. */
      departureTimeoutSeconds?: number;
      metadata?: string;
    }): Promise<CallRoom> {
      const name = requireText(input.roomName, 'roomName');
      const room = await call('RoomService.CreateRoom', () =>
        rooms.createRoom({
          name,
          maxParticipants: optionalCount(input.maxParticipants, 'maxParticipants'),
          emptyTimeout: optionalCount(input.emptyTimeoutSeconds, 'emptyTimeoutSeconds'),
          departureTimeout: optionalCount(input.departureTimeoutSeconds, 'departureTimeoutSeconds'),
          metadata: input.metadata,
        }),
      );
      return {
        roomName: room.name,
        sid: room.sid,
        maxParticipants: room.maxParticipants,
        emptyTimeoutSeconds: room.emptyTimeout,
        metadata: room.metadata,
      };
    },

    /**
     * Signs a token that lets `identity` join `roomName` and nothing else (no admin, no other
     * room). Pure computation: it talks to no server. Call it where the token is handed out
     * (the API), not from a workflow, so the token does not land in Temporal history.
     */
    async issueJoinToken(input: {
      roomName: string;
      identity: string;
      name?: string;
      ttlSeconds?: number;
      canPublish?: boolean;
      metadata?: string;
    }): Promise<JoinToken> {
      const room = requireText(input.roomName, 'roomName');
      const identity = requireText(input.identity, 'identity');
      const ttl = input.ttlSeconds ?? defaultTtl;
      if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_JOIN_TOKEN_TTL_SECONDS) {
        throw invalid(`ttlSeconds must be an integer between 1 and ${MAX_JOIN_TOKEN_TTL_SECONDS}`, 'ttlSeconds');
      }
      const at = new AccessToken(deps.apiKey, deps.apiSecret, { identity, name: input.name, ttl, metadata: input.metadata });
      at.addGrant({ roomJoin: true, room, canPublish: input.canPublish ?? true, canSubscribe: true });
      const token = await at.toJwt();
      return { token, url: joinUrl, expiresAt: tokenExpiry(token) };
    },

    /**
     * Mutes (or unmutes) every audio track the participant publishes. Returns the tracks it
     * changed. A participant who is not in the room fails with LiveKitRequestError (code
     * not_found). Remote unmute only works where the server enables it
     * (room.enable_remote_unmute).
     */
    async muteParticipant(input: { roomName: string; identity: string; muted: boolean }): Promise<{ trackSids: string[] }> {
      const room = requireText(input.roomName, 'roomName');
      const identity = requireText(input.identity, 'identity');
      if (typeof input.muted !== 'boolean') throw invalid('muted must be a boolean', 'muted');
      const participant = await call('RoomService.GetParticipant', () => rooms.getParticipant(room, identity));
      const tracks = participant.tracks.filter((t) => t.type === TrackType.AUDIO);
      for (const track of tracks) {
        await call('RoomService.MutePublishedTrack', () => rooms.mutePublishedTrack(room, identity, track.sid, input.muted));
      }
      return { trackSids: tracks.map((t) => t.sid) };
    },

    /** Disconnects a participant. Idempotent: one who is not there is reported, not an error. */
    async removeParticipant(input: { roomName: string; identity: string }): Promise<{ removed: boolean }> {
      const room = requireText(input.roomName, 'roomName');
      const identity = requireText(input.identity, 'identity');
      try {
        await rooms.removeParticipant(room, identity);
        return { removed: true };
      } catch (err) {
        if (isNotFound(err)) return { removed: false };
        throw classifyLiveKitError('RoomService.RemoveParticipant', err, [deps.apiSecret]);
      }
    },

    /** The room's participants — the call's recorder, hidden, is not one; an empty list for a room that does not exist. */
    async listParticipants(roomName: string): Promise<CallParticipant[]> {
      const room = requireText(roomName, 'roomName');
      const participants = await call('RoomService.ListParticipants', () => rooms.listParticipants(room));
      return participants.filter((p) => !p.identity.startsWith(RECORDER_IDENTITY_PREFIX)).map(toCallParticipant);
    },

    /** Closes the room and disconnects everyone. Idempotent: a missing room is not an error. */
    async deleteRoom(roomName: string): Promise<{ deleted: boolean }> {
      const room = requireText(roomName, 'roomName');
      try {
        await rooms.deleteRoom(room);
        return { deleted: true };
      } catch (err) {
        if (isNotFound(err)) return { deleted: false };
        throw classifyLiveKitError('RoomService.DeleteRoom', err, [deps.apiSecret]);
      }
    },

    /**
     * Business-initiated call: the Connector asks Meta to ring `toWaId` and bridges the call into
     * `roomName`. Not idempotent on LiveKit's side: a retry after a lost response may ring twice,
     * so give this activity few attempts.
     */
    async dialWhatsAppCall(
      input: WhatsAppBridge & {
        toWaId: string;
        /** Seconds the user's phone rings before the Connector gives up. */
        ringingTimeoutSeconds?: number;
      },
    ): Promise<{ whatsappCallId: string; roomName: string }> {
      const options = {
        ...bridgeOptions(input),
        whatsappToPhoneNumber: requireText(input.toWaId, 'toWaId'),
        ringingTimeout: optionalCount(input.ringingTimeoutSeconds, 'ringingTimeoutSeconds'),
      };
      const res = await call('Connector.DialWhatsAppCall', () => connector.dialWhatsAppCall(options), [options.whatsappApiKey]);
      if (!res.whatsappCallId) {
        // The call may be ringing: retrying would ring again, so this is not retried.
        const message = 'LiveKit Connector.DialWhatsAppCall answered without a whatsappCallId';
        const details: LiveKitRequestErrorDetails = { operation: 'Connector.DialWhatsAppCall', status: 200, code: null, message };
        throw ApplicationFailure.nonRetryable(message, LIVEKIT_REQUEST_ERROR, details);
      }
      return { whatsappCallId: res.whatsappCallId, roomName: res.roomName || options.roomName };
    },

    /** User-initiated call: hands Meta's SDP offer to the Connector, which answers Meta and bridges into `roomName`. */
    async acceptWhatsAppCall(
      input: WhatsAppBridge & {
        whatsappCallId: string;
        /** SDP offer from Meta's `connect` call webhook. */
        sdpOffer: string;
        /** How long to wait for the Connector's answer (it may wait for the room before accepting at Meta). */
        timeoutSeconds?: number;
      },
    ): Promise<{ roomName: string }> {
      const timeout = input.timeoutSeconds;
      if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw invalid('timeoutSeconds must be a positive number', 'timeoutSeconds');
      const options = {
        ...bridgeOptions(input),
        whatsappCallId: requireText(input.whatsappCallId, 'whatsappCallId'),
        sdp: new SessionDescription({ type: 'offer', sdp: requireText(input.sdpOffer, 'sdpOffer') }),
        timeout,
      };
      const res = await call('Connector.AcceptWhatsAppCall', () => connector.acceptWhatsAppCall(options), [options.whatsappApiKey]);
      return { roomName: res.roomName || options.roomName };
    },

    /** Business-initiated call, answered: hands Meta's SDP answer (from the `connect` webhook) to the Connector. */
    async connectWhatsAppCall(input: { whatsappCallId: string; sdpAnswer: string }): Promise<void> {
      const callId = requireText(input.whatsappCallId, 'whatsappCallId');
      const sdp = new SessionDescription({ type: 'answer', sdp: requireText(input.sdpAnswer, 'sdpAnswer') });
      await call('Connector.ConnectWhatsAppCall', () => connector.connectWhatsAppCall(callId, sdp));
    },

    /**
     * Ends the call. `business_initiated` (default) makes the Connector hang up with Meta and
     * needs the access token; `user_initiated` (after Meta's terminate webhook, as LiveKit
     * requires so the Connector frees the call) only tears down the bridge. A call that had
     * already ended — the Connector's not_found, or Meta's "already ended" — is not an error:
     * it answers `already_ended`.
     */
    async disconnectWhatsAppCall(input: {
      whatsappCallId: string;
      accessToken?: string;
      reason?: WhatsAppDisconnectReason;
    }): Promise<{ outcome: WhatsAppDisconnectOutcome }> {
      const callId = requireText(input.whatsappCallId, 'whatsappCallId');
      const reason = input.reason ?? 'business_initiated';
      if (reason !== 'business_initiated' && reason !== 'user_initiated') {
        throw invalid('reason must be business_initiated or user_initiated', 'reason');
      }
      const accessToken =
        reason === 'business_initiated' ? requireText(input.accessToken, 'accessToken') : (input.accessToken ?? '');
      const sdkReason =
        reason === 'business_initiated'
          ? DisconnectWhatsAppCallRequest_DisconnectReason.BUSINESS_INITIATED
          : DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED;
      try {
        await connector.disconnectWhatsAppCall(callId, accessToken, sdkReason);
        return { outcome: 'disconnected' };
      } catch (err) {
        if (isCallAlreadyEnded(err)) return { outcome: 'already_ended' };
        throw classifyLiveKitError('Connector.DisconnectWhatsAppCall', err, [deps.apiSecret, accessToken]);
      }
    },
  };
}

export type LiveKitActivities = ReturnType<typeof createLiveKitActivities>;
