import { randomBytes, randomUUID } from 'node:crypto';
import { PLAYBACK_SIGNATURE, PlaybackLinks, type PlaybackGrant } from './playback-links';

const key = (id: string) => ({ id, key: randomBytes(32) });
const TTL_MS = 300_000;
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

/** The grant and signature a link carries, read back from its URL as the public route reads them. */
function parse(url: string): { grant: PlaybackGrant; signature: string } {
  const parsed = new URL(url, 'http://recado.test');
  const [, callId, recordingId] = /^\/v1\/calls\/([^/]+)\/recordings\/([^/]+)\/playback$/.exec(parsed.pathname) ?? [];
  const q = parsed.searchParams;
  return {
    grant: { accountId: q.get('account_id')!, callId, recordingId, actor: q.get('actor')!, expires: Number(q.get('expires')) },
    signature: q.get('signature')!,
  };
}

describe('PlaybackLinks', () => {
  const k1 = key('k1');
  const links = new PlaybackLinks({ current: k1, previous: [] }, TTL_MS);
  const asked = { accountId: randomUUID(), callId: randomUUID(), recordingId: randomUUID(), actor: `agent:${randomUUID()}` };

  it('issues a same-origin link to the recording that carries no token, expiring after the TTL', () => {
    const { url, expiresAt } = links.issue(asked, NOW);
    expect(url.startsWith(`/v1/calls/${asked.callId}/recordings/${asked.recordingId}/playback?`)).toBe(true);
    expect(expiresAt.getTime()).toBe(NOW + TTL_MS);
    const { grant, signature } = parse(url);
    expect(grant).toEqual({ ...asked, expires: (NOW + TTL_MS) / 1000 });
    expect(signature).toMatch(PLAYBACK_SIGNATURE);
    expect(links.verify(grant, signature, NOW)).toEqual({ ok: true });
    expect(links.verify(grant, signature, NOW + TTL_MS - 1)).toEqual({ ok: true });
  });

  it('refuses the link from its expiry on', () => {
    const { grant, signature } = parse(links.issue(asked, NOW).url);
    expect(links.verify(grant, signature, NOW + TTL_MS)).toEqual({ ok: false, reason: 'expired' });
    expect(links.verify(grant, signature, NOW + 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a link moved to another recording, call, account or actor, or whose expiry was pushed back', () => {
    const { grant, signature } = parse(links.issue(asked, NOW).url);
    const changed: Array<Partial<PlaybackGrant>> = [
      { recordingId: randomUUID() },
      { callId: randomUUID() },
      { accountId: randomUUID() },
      { actor: `agent:${randomUUID()}` },
      { expires: grant.expires + 3600 },
    ];
    for (const change of changed) {
      expect({ change, verdict: links.verify({ ...grant, ...change }, signature, NOW) }).toEqual({ change, verdict: { ok: false, reason: 'signature' } });
    }
  });

  it('refuses a tampered or malformed signature, and one made under another key', () => {
    const { grant, signature } = parse(links.issue(asked, NOW).url);
    for (let i = 0; i < signature.length; i++) {
      const tampered = signature.slice(0, i) + (signature[i] === 'A' ? 'B' : 'A') + signature.slice(i + 1);
      expect(links.verify(grant, tampered, NOW)).toEqual({ ok: false, reason: 'signature' });
    }
    for (const bad of ['', signature.slice(1), `${signature}A`, signature.replace(/.$/, '=')]) {
      expect(links.verify(grant, bad, NOW)).toEqual({ ok: false, reason: 'signature' });
    }
    const stranger = new PlaybackLinks({ current: key('k1'), previous: [] }, TTL_MS);
    const forged = parse(stranger.issue(asked, NOW).url);
    expect(links.verify(forged.grant, forged.signature, NOW)).toEqual({ ok: false, reason: 'signature' });
  });

  it('says an expired link is tampered rather than expired when its signature is wrong too', () => {
    const { grant } = parse(links.issue(asked, NOW).url);
    expect(links.verify(grant, 'A'.repeat(43), NOW + TTL_MS)).toEqual({ ok: false, reason: 'signature' });
  });

  it('keeps links signed before a key rotation working until they expire, and signs new ones with the new key', () => {
    const before = parse(links.issue(asked, NOW).url);
    const rotated = new PlaybackLinks({ current: key('k2'), previous: [k1] }, TTL_MS);
    expect(rotated.verify(before.grant, before.signature, NOW)).toEqual({ ok: true });
    const after = parse(rotated.issue(asked, NOW).url);
    expect(after.signature).not.toBe(before.signature);
    expect(links.verify(after.grant, after.signature, NOW)).toEqual({ ok: false, reason: 'signature' });
  });
});
