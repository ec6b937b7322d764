import { AccessToken, type ClaimGrants } from 'livekit-server-sdk';
import { joinRoom, type RoomAudio } from '../../media/room-audio';
import { parseWav } from '../../media/wav';
import type { ConnectorCall, ConnectorLogger } from './connector';

/**
 * The media half of the Connector simulator: once a call is connected, the WhatsApp caller joins
 * the call's LiveKit room — with the identity, name, metadata and attributes the Connector was
 * given, and participant kind `connector` as LiveKit's own Connector participants have — and
 * speaks the customer's clip, which the WhatsApp simulator holds (`PUT
 * /_sim/customers/{wa_id}/call-audio`). What agents say is received and dropped. The caller
 * leaves when the call ends. Without a clip it joins and stays silent. With LiveKit Cloud, the
 * real Connector does all this.
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
  clipMs?: number;
  spokeAt?: string;
  spokenAt?: string;
  heardMs?: number;
  leftAt?: string;
  error?: string;
}

export class ConnectorMedia {
  private readonly rooms = new Map<string, { audio?: RoomAudio; view: CallMediaView; leaving?: boolean }>();

  constructor(private readonly options: ConnectorMediaOptions) {}

  /** The caller joins the call's room and speaks; failures are logged and shown, never thrown at the Connector API. */
  connected(call: ConnectorCall): void {
    if (this.rooms.has(call.whatsappCallId)) return;
    const entry: { audio?: RoomAudio; view: CallMediaView; leaving?: boolean } = { view: {} };
    this.rooms.set(call.whatsappCallId, entry);
    void this.join(call, entry).catch((err: Error) => {
      entry.view.error = err.message;
      this.options.logger?.warn({ whatsappCallId: call.whatsappCallId, err: err.message }, 'the caller could not take part in the room');
    });
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

  private async join(call: ConnectorCall, entry: { audio?: RoomAudio; view: CallMediaView; leaving?: boolean }): Promise<void> {
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
    const clip = await this.clipOf(call.whatsappCallId);
    const audio = await joinRoom(livekit.url, await token.toJwt());
    entry.audio = audio;
    entry.view.joinedAt = new Date().toISOString();
    if (entry.leaving) return void (await audio.leave());
    if (!clip) return;
    const pcm = parseWav(clip);
    entry.view.clipMs = Math.round((pcm.samples.length / pcm.sampleRate) * 1000);
    entry.view.spokeAt = new Date().toISOString();
    await audio.speak(pcm);
    entry.view.spokenAt = new Date().toISOString();
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
