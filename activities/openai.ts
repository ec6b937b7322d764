import { ApplicationFailure } from '@temporalio/activity';
import OpenAI, { toFile } from 'openai';
import type { CallAudioConfig } from '../src/config/call-audio.config';
import { CALL_SUMMARY_SCHEMA, SUMMARY_INSTRUCTIONS, parseCallSummary, type CallSummary } from '../src/calls/postcall/summary-schema';

/**
 * The AI provider of the post-call steps through the `openai` client: any OpenAI-compatible
 * server (OPENAI_BASE_URL), locally the OpenAI simulator. Temporal retries, so the client does
 * not; errors are classified here: the provider refusing the request is not retried.
 */

export interface TranscribedSegment {
  start: number;
  end: number;
  text: string;
}

export interface AiClient {
  transcribe(wav: Buffer, durationMs: number): Promise<{ segments: TranscribedSegment[]; model: string; providerMs: number | null }>;
  summarize(transcript: string): Promise<{ summary: CallSummary; model: string; providerMs: number | null }>;
}

/** The provider's answer to a request it will never accept: a retry cannot help. */
export const AI_REQUEST_REFUSED = 'AiRequestRefused';
const NOT_RETRYABLE_STATUSES = new Set([400, 401, 403, 404, 413, 415, 422]);

/** Models that answer only `json`/`text`: no segment times, the part becomes one segment. */
const WITHOUT_SEGMENTS = /^gpt-4o/;

export function createAiClient(ai: CallAudioConfig['ai']): AiClient | null {
  if (!ai.apiKey) return null;
  const client = new OpenAI({ apiKey: ai.apiKey, baseURL: ai.baseUrl, maxRetries: 0, timeout: 9 * 60_000 });
  return {
    async transcribe(wav, durationMs) {
      const file = await toFile(wav, 'recording.wav', { type: 'audio/wav' });
      const model = ai.transcriptionModel;
      return classified('audio.transcriptions', async () => {
        if (WITHOUT_SEGMENTS.test(model)) {
          const { data, response } = await client.audio.transcriptions
            .create({ file, model, language: ai.transcriptionLanguage, response_format: 'json' })
            .withResponse();
          return { segments: [{ start: 0, end: durationMs / 1000, text: data.text }], model, providerMs: processingMs(response) };
        }
        const { data, response } = await client.audio.transcriptions
          .create({ file, model, language: ai.transcriptionLanguage, response_format: 'verbose_json', timestamp_granularities: ['segment'] })
          .withResponse();
        const segments = data.segments?.map((s) => ({ start: s.start, end: s.end, text: s.text })) ?? [
          { start: 0, end: data.duration ?? durationMs / 1000, text: data.text },
        ];
        return { segments, model, providerMs: processingMs(response) };
      });
    },

    async summarize(transcript) {
      const model = ai.summaryModel;
      const { data, response } = await classified('chat.completions', () =>
        client.chat.completions
          .create({
            model,
            messages: [
              { role: 'system', content: SUMMARY_INSTRUCTIONS },
              { role: 'user', content: transcript },
            ],
            response_format: { type: 'json_schema', json_schema: { name: 'call_summary', strict: true, schema: CALL_SUMMARY_SCHEMA } },
          })
          .withResponse(),
      );
      const message = data.choices[0]?.message;
      if (!message?.content) {
        throw ApplicationFailure.nonRetryable(`the model gave no summary${message?.refusal ? `: ${message.refusal}` : ''}`, AI_REQUEST_REFUSED);
      }
      return { summary: parseCallSummary(message.content), model: data.model || model, providerMs: processingMs(response) };
    },
  };
}

/** OpenAI's own processing time of the request (header `openai-processing-ms`), when it says. */
function processingMs(response: Response): number | null {
  const value = Number(response.headers.get('openai-processing-ms'));
  return Number.isFinite(value) && value >= 0 ? value : null;
}

async function classified<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined && NOT_RETRYABLE_STATUSES.has(err.status)) {
      const param = (err.error as { param?: string } | undefined)?.param;
      throw ApplicationFailure.nonRetryable(
        `${operation}: ${err.status} ${err.message}${param ? ` (param ${param})` : ''}`,
        AI_REQUEST_REFUSED,
      );
    }
    if (err instanceof OpenAI.APIError) throw ApplicationFailure.retryable(`${operation}: ${err.message}`, 'AiProviderUnavailable');
    throw err;
  }
}
