import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { speakToWav, UnknownVoiceError } from '../../media/speech';
import { parseWav, WavFormatError } from '../../media/wav';

/**
 * What each simulated customer says when they are on a call: a clip set through the control API,
 * spoken from text by espeak-ng (English: the local speech recogniser knows only English) or
 * given as a 16-bit PCM WAV. The LiveKit Connector simulator asks for it by call id when the
 * customer's audio joins the call's room.
 *
 *   PUT    /_sim/customers/{wa_id}/call-audio   {"text": "…", "voice"?: "en-us+f2"} or {"wav_base64": "…"}
 *   GET    /_sim/customers/{wa_id}/call-audio   → audio/wav (404: none)
 *   DELETE /_sim/customers/{wa_id}/call-audio
 *   GET    /_sim/calls/{call_id}/customer-audio → the clip of that call's customer
 */
export function registerCallAudioRoutes(app: FastifyInstance, waIdOfCall: (callId: string) => string | undefined): void {
  const clips = new Map<string, Buffer>();
  const waIdOf = (req: FastifyRequest) => (req.params as { waId: string }).waId.replace(/\D/g, '');
  const send = (reply: FastifyReply, clip: Buffer | undefined) =>
    clip ? reply.header('content-type', 'audio/wav').send(clip) : reply.status(404).send({ error: 'this customer has no call audio' });

  app.put('/_sim/customers/:waId/call-audio', async (req, reply) => {
    const parsed = await clipFromBody(req.body);
    if ('error' in parsed) return reply.status(400).send({ error: parsed.error });
    const { clip } = parsed;
    clips.set(waIdOf(req), clip);
    const pcm = parseWav(clip);
    return { waId: waIdOf(req), bytes: clip.length, durationMs: Math.round((pcm.samples.length / pcm.sampleRate) * 1000) };
  });
  app.get('/_sim/customers/:waId/call-audio', async (req, reply) => send(reply, clips.get(waIdOf(req))));
  app.delete('/_sim/customers/:waId/call-audio', async (req) => ({ deleted: clips.delete(waIdOf(req)) }));
  app.get('/_sim/calls/:callId/customer-audio', async (req, reply) => {
    const waId = waIdOfCall((req.params as { callId: string }).callId);
    return send(reply, waId ? clips.get(waId) : undefined);
  });
}

/**
 * A clip from a control request's body: `{text, voice?}` spoken by espeak-ng, or `{wav_base64}`
 * (16-bit PCM WAV); an error names the field. Shared with the Connector simulator's speak route.
 */
export async function clipFromBody(body: unknown): Promise<{ clip: Buffer } | { error: string }> {
  const b = (body && typeof body === 'object' ? body : {}) as { text?: unknown; voice?: unknown; wav_base64?: unknown; wavBase64?: unknown };
  const base64 = b.wav_base64 ?? b.wavBase64;
  if (typeof b.text === 'string' && b.text.trim()) {
    if (b.voice !== undefined && typeof b.voice !== 'string') return { error: 'voice: give an espeak-ng voice name' };
    try {
      return { clip: await speakToWav(b.text, b.voice ? { voice: b.voice } : {}) };
    } catch (err) {
      if (err instanceof UnknownVoiceError) return { error: `voice: ${err.message}` };
      throw err;
    }
  }
  if (typeof base64 === 'string' && base64) {
    const clip = Buffer.from(base64, 'base64');
    try {
      parseWav(clip);
      return { clip };
    } catch (err) {
      if (err instanceof WavFormatError) return { error: `wav_base64: ${err.message}` };
      throw err;
    }
  }
  return { error: 'text or wav_base64: give text (spoken with espeak-ng) or wav_base64 (16-bit PCM WAV)' };
}
