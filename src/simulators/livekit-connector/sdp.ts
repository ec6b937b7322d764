import { createHash, randomBytes, randomInt } from 'node:crypto';

/** The SDP side of the Connector simulator: reading Meta's SDP and writing LiveKit-like ones. */

export interface ParsedSdp {
  ok: boolean;
  reason?: string;
  mid?: string;
  opusPayloadType?: number;
  telephoneEventPayloadType?: number;
  setup?: string;
}

/** The little of an SDP the connector needs: one audio section with Opus, ICE credentials and a DTLS fingerprint. */
export function parseSdp(sdp: string): ParsedSdp {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'v=0') return { ok: false, reason: 'does not start with v=0' };
  const audio = lines.findIndex((l) => l.startsWith('m=audio '));
  if (audio === -1) return { ok: false, reason: 'no m=audio section' };
  const media = lines.slice(audio);
  const attr = (name: string) => lines.find((l) => l.startsWith(`a=${name}:`))?.slice(name.length + 3).trim();
  const rtpmap = (re: RegExp) => {
    for (const l of media) {
      const m = /^a=rtpmap:(\d+) (.+)$/.exec(l);
      if (m && re.test(m[2])) return Number(m[1]);
    }
    return undefined;
  };
  const opus = rtpmap(/^opus\/48000/i);
  if (opus === undefined) return { ok: false, reason: 'no Opus codec (a=rtpmap:<pt> opus/48000/2)' };
  if (!attr('ice-ufrag') || !attr('ice-pwd')) return { ok: false, reason: 'no ICE credentials (a=ice-ufrag / a=ice-pwd)' };
  if (!attr('fingerprint')) return { ok: false, reason: 'no DTLS fingerprint (a=fingerprint)' };
  return {
    ok: true,
    mid: media.find((l) => l.startsWith('a=mid:'))?.slice(6).trim(),
    opusPayloadType: opus,
    telephoneEventPayloadType: rtpmap(/^telephone-event\/8000/i),
    setup: attr('setup'),
  };
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const iceString = (n: number) => Array.from({ length: n }, () => ICE_CHARS[randomInt(ICE_CHARS.length)]).join('');

/**
 * A plausible SDP of LiveKit's media server (ICE-lite, DTLS-SRTP, Opus): an offer for
 * DialWhatsAppCall, or an answer matching Meta's offer (its mid, payload types, DTLS role).
 */
export function webrtcSdp(kind: 'offer' | 'answer', offer?: ParsedSdp): string {
  const fingerprint = createHash('sha256')
    .update(randomBytes(64))
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
  const port = 50000 + randomInt(10000);
  const ssrc = randomInt(1, 2 ** 32 - 1);
  const mid = offer?.mid ?? '0';
  const opus = offer?.opusPayloadType ?? 111;
  const dtmf = kind === 'offer' ? 126 : offer?.telephoneEventPayloadType;
  const setup = kind === 'offer' ? 'actpass' : offer?.setup === 'active' ? 'passive' : 'active';
  const stream = `PA_${iceString(12)}`;
  const track = `TR_${iceString(12)}`;
  return [
    'v=0',
    `o=- ${BigInt('0x' + randomBytes(7).toString('hex'))} ${Math.floor(Date.now() / 1000)} IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'a=msid-semantic:WMS *',
    'a=ice-lite',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `m=audio ${port} UDP/TLS/RTP/SAVPF ${opus}${dtmf !== undefined ? ` ${dtmf}` : ''}`,
    'c=IN IP4 127.0.0.1',
    `a=candidate:${randomInt(1, 2 ** 31)} 1 udp 2130706431 127.0.0.1 ${port} typ host generation 0`,
    'a=end-of-candidates',
    `a=ice-ufrag:${iceString(16)}`,
    `a=ice-pwd:${iceString(32)}`,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
    'a=sendrecv',
    `a=msid:${stream} ${track}`,
    'a=rtcp-mux',
    `a=rtpmap:${opus} opus/48000/2`,
    `a=fmtp:${opus} minptime=10;useinbandfec=1`,
    ...(dtmf !== undefined ? [`a=rtpmap:${dtmf} telephone-event/8000`] : []),
    `a=ssrc:${ssrc} cname:${stream}`,
    `a=ssrc:${ssrc} msid:${stream} ${track}`,
    '',
  ].join('\r\n');
}

export function answerFor(offerSdp: string): string {
  return webrtcSdp('answer', parseSdp(offerSdp));
}
