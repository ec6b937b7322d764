import { AccessToken, type ClaimGrants } from 'livekit-server-sdk';
import { joinRoom, type RoomAudio } from '../../media/room-audio';
import { durationMs, parseWav } from '../../media/wav';
import type { ConnectorCall, ConnectorLogger } from './connector';

/**
 * The media half of the Connector simulator: once a call is connected, the WhatsApp caller joins
 * the call's LiveKit room — with the identity, name, metadata and attributes the Connector was
 * given, and participant kind `connector` (detail `connector_whatsapp`) as LiveKit's own
 * Connector participants have — and speaks the customer's clip, which the WhatsApp simulator
 * holds (`PUT /_sim/customers/{wa_id}/call-audio`). More clips can be spoken during the call
 * (`say`, the control API's `POST /_sim/calls/{id}/speak`), one after the other. What agents say
 * is received and dropped. The caller leaves when the call ends. Without a clip it joins and
 * publishes nothing (no track) until it has something to say. With LiveKit Cloud, the real
 * Connector does all this.
 */
export interface ConnectorMediaOptions {
  /** The LiveKit server the rooms are on (its API key and secret sign the caller's token). */
  livekit: { url: string; apiKey: string; apiSecret: string };
  /** Base URL of the WhatsApp simulator, asked for the customer's clip. */
  graphUrl: string;
  logger?: ConnectorLogger;
}

/** What the control API shows of a call's media. */
export interface CallMediaView {
  joinedAt?: string;
  /** Length of the last clip the caller started to speak. */
  clipMs?: number;
  /** When the last clip started and finished playing out. */
  spokeAt?: string;
  spokenAt?: string;
  /** Clips spoken in full so far, and their milliseconds together. */
  clipsSpoken?: number;
  spokenMs?: number;
  /** Agents' audio received so far. */
  heardMs?: number;
  leftAt?: string;
  error?: string;
}

interface CallMedia {
  view: CallMediaView;
  /** The caller in the room, once it has joined. */
  joined: Promise<RoomAudio>;
  /** The clips queued so far, spoken one after the other. */
  speaking: Promise<void>;
  audio?: RoomAudio;
  leaving?: boolean;
}

export type SayResult = { queued: true; clipMs: number } | { queued: false; reason: 'unknown_call' | 'ended' };

export class ConnectorMedia {
  private readonly rooms = new Map<string, CallMedia>();

  constructor(private readonly options: ConnectorMediaOptions) {}

  /** The caller joins the call's room and speaks; failures are logged and shown, never thrown at the Connector API. */
  connected(call: ConnectorCall): void {
    if (this.rooms.has(call.whatsappCallId)) return;
    const view: CallMediaView = {};
    const joined = this.join(call, view);
    const entry: CallMedia = { view, joined, speaking: joined.then(() => undefined, () => undefined) };
    this.rooms.set(call.whatsappCallId, entry);
    void joined.then(
      (audio) => {
        entry.audio = audio;
        if (entry.leaving) void audio.leave().catch(() => undefined);
      },
      (err: Error) => this.failed(call.whatsappCallId, entry, err),
    );
    // Fetched while the caller joins; spoken first, before any clip queued meanwhile.
    this.enqueue(call.whatsappCallId, entry, this.clipOf(call.whatsappCallId));
  }

  /** Queues a clip (16-bit PCM WAV) for the caller to speak after what it is saying. */
  say(callId: string, clip: Buffer): SayResult {
    const entry = this.rooms.get(callId);
    if (!entry) return { queued: false, reason: 'unknown_call' };
    if (entry.leaving) return { queued: false, reason: 'ended' };
    const pcm = parseWav(clip);
    this.enqueue(callId, entry, Promise.resolve(clip));
    return { queued: true, clipMs: Math.round(durationMs(pcm)) };
  }

  ended(callId: string): void {
    const entry = this.rooms.get(callId);
    if (!entry || entry.leaving) return;
    entry.leaving = true;
    entry.view.heardMs = entry.audio?.heardMs();
    entry.view.leftAt = new Date().toISOString();
    void entry.audio?.leave().catch(() => undefined);
  }

  view(callId: string): CallMediaView | undefined {
    const entry = this.rooms.get(callId);
    if (!entry) return undefined;
    return { ...entry.view, heardMs: entry.leaving ? entry.view.heardMs : entry.audio?.heardMs() };
  }

  async closeAll(): Promise<void> {
    for (const id of this.rooms.keys()) this.ended(id);
    this.rooms.clear();
  }

  private enqueue(callId: string, entry: CallMedia, clip: Promise<Buffer | null>): void {
    entry.speaking = entry.speaking
      .then(async () => {
        const wav = await clip;
        const audio = await entry.joined;
        if (!wav || entry.leaving) return;
        const pcm = parseWav(wav);
        entry.view.clipMs = Math.round(durationMs(pcm));
        entry.view.spokeAt = new Date().toISOString();
        const { publishedMs } = await audio.speak(pcm);
        entry.view.spokenAt = new Date().toISOString();
        entry.view.clipsSpoken = (entry.view.clipsSpoken ?? 0) + 1;
        entry.view.spokenMs = (entry.view.spokenMs ?? 0) + publishedMs;
      })
      .catch((err: Error) => {
        // A clip cut short by the hang-up is no failure; the queue goes on after any other.
        if (!entry.leaving) this.failed(callId, entry, err);
      });
  }

  private failed(callId: string, entry: CallMedia, err: Error): void {
    entry.view.error = err.message;
    this.options.logger?.warn({ whatsappCallId: callId, err: err.message }, 'the caller could not take part in the room');
  }

  private async join(call: ConnectorCall, view: CallMediaView): Promise<RoomAudio> {
    const { livekit } = this.options;
    const token = new AccessToken(livekit.apiKey, livekit.apiSecret, {
      identity: call.participantIdentity,
      name: call.participantName || undefined,
      metadata: call.participantMetadata || undefined,
      attributes: call.participantAttributes,
      ttl: 4 * 3600,
    });
    // What LiveKit's own WhatsApp participants are: kind CONNECTOR, kind detail CONNECTOR_WHATSAPP
    // (livekit/protocol ParticipantInfo). The SDK has a setter for the kind only; the detail is the
    // token's `kindDetails` claim (protocol auth.ClaimGrants), which LiveKit 1.13.5 applies — set
    // on the claims the SDK signs as they are.
    token.kind = 'connector';
    (token as unknown as { grants: ClaimGrants }).grants.kindDetails = ['connector_whatsapp'];
    token.addGrant({ room: call.roomName, roomJoin: true, canPublish: true, canSubscribe: true });
    const audio = await joinRoom({ url: livekit.url, token: await token.toJwt() });
    view.joinedAt = new Date().toISOString();
    return audio;
  }

  /** The customer's clip for this call, from the WhatsApp simulator; none when it has none (or is the real Meta). */
  private async clipOf(callId: string): Promise<Buffer | null> {
    try {
      const res = await fetch(`${this.options.graphUrl}/_sim/calls/${encodeURIComponent(callId)}/customer-audio`, { signal: AbortSignal.timeout(3000) });
      return res.ok ? Buffer.from(await res.arrayBuffer()) : null;
    } catch {
      return null;
    }
  }
}
