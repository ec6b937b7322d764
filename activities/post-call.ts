import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Readable } from 'node:stream';
import { WAV_HEADER_BYTES, wavHeader } from '../src/media/wav';
import type { RecordingStorage } from '../src/recording/storage';
import { splitForUpload } from '../src/calls/postcall/audio-parts';
import type { PostCallRepository, PostCallStep, PostCallStepStatus, SpeakerRecordingRow } from '../src/calls/postcall/postcall.repository';
import { mergeTranscripts, onCallClock, transcriptText, type SpeakerTranscript } from '../src/calls/postcall/transcript';
import type { AiClient } from './openai';

export interface PostCallActivityDeps {
  postcall: PostCallRepository;
  storage: RecordingStorage;
  /** null: no AI provider is configured */
  ai: AiClient | null;
  maxUploadBytes: number;
}

const SPEAKER_LABELS = { customer: 'Customer', agent: 'Agent' } as const;

/**
 * The post-call steps' I/O (workflows/post-call.workflow.ts decides the order): each speaker's
 * recording is sent for transcription in parts below the upload limit, each part stored once
 * transcribed — a resumed workflow never transcribes a stored part again — then merged and summarised.
 */
export function createPostCallActivities({ postcall, storage, ai, maxUploadBytes }: PostCallActivityDeps) {
  const partsOf = (r: SpeakerRecordingRow) =>
    splitForUpload({ dataBytes: Number(r.bytes) - WAV_HEADER_BYTES, sampleRate: r.sample_rate, channels: r.channels }, maxUploadBytes);

  return {
    /** The call's post-call row (steps pending) and what there is to transcribe. */
    async beginPostCall(input: { accountId: string; callId: string }) {
      await postcall.begin(input.accountId, input.callId);
      const recordings = await postcall.speakerRecordings(input.accountId, input.callId);
      return {
        aiProvider: ai !== null,
        speakerRecordings: recordings.map((r) => ({ recordingId: r.id, parts: partsOf(r).length })),
      };
    },

    async setPostCallStep(input: { accountId: string; callId: string; step: PostCallStep; status: PostCallStepStatus; reason?: string }) {
      await postcall.setStep(input.callId, input.step, input.status, input.reason ?? null);
    },

    /** Transcribes one part of a speaker's recording, unless it is stored already; its segments go on the call's clock. */
    async transcribeRecordingPart(input: { accountId: string; callId: string; recordingId: string; part: number; parts: number }) {
      if (!ai) throw ApplicationFailure.nonRetryable('no AI provider is configured', 'NoAiProvider');
      if (await postcall.hasTranscriptPart(input.recordingId, input.part)) return { transcribed: false, providerMs: null };
      const recording = (await postcall.speakerRecordings(input.accountId, input.callId)).find((r) => r.id === input.recordingId);
      if (!recording) throw ApplicationFailure.nonRetryable(`recording ${input.recordingId} is not a speaker recording of this call`, 'NotFound');
      const part = partsOf(recording)[input.part];
      if (!part) throw ApplicationFailure.nonRetryable(`recording ${input.recordingId} has no part ${input.part}`, 'NotFound');
      const dataBytes = part.dataEnd - part.dataStart;
      const samples = dataBytes
        ? await readAll(await storage.read(recording.storage_key, { start: WAV_HEADER_BYTES + part.dataStart, end: WAV_HEADER_BYTES + part.dataEnd - 1 }))
        : Buffer.alloc(0);
      const wav = Buffer.concat([wavHeader(recording.sample_rate, recording.channels, samples.length), samples]);
      const durationMs = (samples.length / 2 / recording.channels / recording.sample_rate) * 1000;
      const { segments, model, providerMs } = await heartbeating(() => ai.transcribe(wav, durationMs));
      await postcall.saveTranscriptPart({
        accountId: input.accountId,
        callId: input.callId,
        recordingId: recording.id,
        part: input.part,
        offsetMs: part.offsetMs,
        segments: onCallClock(segments, recording.offset_ms + part.offsetMs),
        model,
      });
      log.info('recording part transcribed', { callId: input.callId, recordingId: recording.id, part: input.part, of: input.parts, providerMs });
      return { transcribed: true, providerMs };
    },

    /** Every speaker's stored parts, merged by time into one speaker-labelled transcript. */
    async mergeTranscript(input: { accountId: string; callId: string }): Promise<{ lines: number }> {
      const recordings = await postcall.speakerRecordings(input.accountId, input.callId);
      const parts = await postcall.transcriptParts(input.accountId, input.callId);
      const speakers: SpeakerTranscript[] = recordings.map((r) => ({
        speaker: r.speaker,
        agentId: r.agent_id,
        name: r.speaker_name ?? SPEAKER_LABELS[r.speaker],
        segments: parts.filter((p) => p.recording_id === r.id).flatMap((p) => p.segments),
      }));
      const lines = mergeTranscripts(speakers);
      await postcall.saveTranscript(input.callId, lines, [...new Set(parts.map((p) => p.model))].join(', '));
      return { lines: lines.length };
    },

    /** The summary from the stored transcript; an empty transcript has nothing to summarise. */
    async summarizeCall(input: { accountId: string; callId: string }): Promise<{ summarized: boolean; reason?: string; providerMs: number | null }> {
      if (!ai) throw ApplicationFailure.nonRetryable('no AI provider is configured', 'NoAiProvider');
      const transcript = await postcall.transcript(input.accountId, input.callId);
      if (!transcript?.length) return { summarized: false, reason: 'nothing was said that could be transcribed', providerMs: null };
      const { summary, model, providerMs } = await heartbeating(() => ai.summarize(transcriptText(transcript)));
      await postcall.saveSummary(input.callId, { ...summary, generated_by: model }, model);
      return { summarized: true, providerMs };
    },
  };
}

/** How often a step waiting on the provider says it is alive: a worker that died is noticed within the heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 2_000;

async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
