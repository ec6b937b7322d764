import { deflateSync } from 'node:zlib';
import { invalidRequest, invalidType, invalidValue, missingParameter } from './errors';
import { WHISPER_LANGUAGES } from './languages';
import type { FormData, FormFile } from './multipart';
import type { Recognition } from './recogniser';

/**
 * `POST /v1/audio/transcriptions`: the request as OpenAI validates it (openai-openapi
 * `CreateTranscriptionRequest`) and the documented answer shapes (json, text, srt, vtt, verbose_json).
 */

export const TRANSCRIPTION_MODELS = ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'] as const;
export type TranscriptionModel = (typeof TRANSCRIPTION_MODELS)[number];

export const AUDIO_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'] as const;
export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json'] as const;
export type TranscriptionFormat = Exclude<(typeof RESPONSE_FORMATS)[number], 'diarized_json'>;
const GRANULARITIES = ['word', 'segment'] as const;

/** Content types clients send when the file name has no extension. */
const EXTENSION_OF_TYPE: Record<string, string> = {
  'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/wave': 'wav', 'audio/vnd.wave': 'wav',
  'audio/flac': 'flac', 'audio/x-flac': 'flac', 'audio/ogg': 'ogg', 'application/ogg': 'ogg',
  'audio/mpeg': 'mp3', 'audio/mp3': 'mp3', 'audio/mp4': 'm4a', 'audio/x-m4a': 'm4a',
  'video/mp4': 'mp4', 'audio/webm': 'webm', 'video/webm': 'webm',
};

/** Fields the API takes that the simulator accepts without acting on them. */
const IGNORED_FIELDS = new Set(['include[]', 'include', 'chunking_strategy', 'known_speaker_names[]', 'known_speaker_references[]', 'stream']);

export interface TranscriptionRequest {
  file: FormFile;
  extension: string;
  model: TranscriptionModel;
  language: string | null;
  prompt: string | null;
  responseFormat: TranscriptionFormat;
  temperature: number;
  words: boolean;
  segments: boolean;
}

const one = (form: FormData, name: string): string | undefined => form.fields.get(name)?.[0];

export function parseTranscriptionRequest(form: FormData): TranscriptionRequest {
  for (const name of form.fields.keys()) {
    const known = ['model', 'language', 'prompt', 'response_format', 'temperature', 'timestamp_granularities[]', 'timestamp_granularities'];
    if (!known.includes(name) && !IGNORED_FIELDS.has(name)) throw invalidRequest(`Unrecognized request argument supplied: ${name}`, name, 'unknown_parameter');
  }
  const file = form.files.get('file');
  if (!file) {
    if (form.fields.has('file')) throw invalidRequest("'file' must be a file upload (multipart part with a filename), not a text field.", 'file', 'invalid_type');
    throw missingParameter('file');
  }
  const model = parseModel(one(form, 'model'));
  const extension = extensionOf(file);
  const responseFormat = parseResponseFormat(one(form, 'response_format'), model);
  const granularities = form.fields.get('timestamp_granularities[]') ?? form.fields.get('timestamp_granularities') ?? [];
  granularities.forEach((g, i) => {
    if (!(GRANULARITIES as readonly string[]).includes(g)) throw invalidValue(`timestamp_granularities[${i}]`, g, GRANULARITIES);
  });
  if (granularities.length > 0 && responseFormat !== 'verbose_json') {
    throw invalidRequest(
      `timestamp_granularities is only supported with response_format 'verbose_json', got '${responseFormat}'.`,
      'timestamp_granularities',
      'unsupported_value',
    );
  }
  if (form.fields.get('stream')?.[0] === 'true' && model !== 'whisper-1') {
    // whisper-1 ignores stream (documented); the gpt-4o models would answer with server-sent events.
    throw invalidRequest('stream=true is not supported by the recado OpenAI simulator.', 'stream', 'unsupported_value');
  }
  return {
    file,
    extension,
    model,
    language: parseLanguage(one(form, 'language')),
    prompt: one(form, 'prompt') ?? null,
    responseFormat,
    temperature: parseTemperature(one(form, 'temperature')),
    words: granularities.includes('word'),
    // Segments are the documented default; asking for words alone leaves them out.
    segments: granularities.length === 0 || granularities.includes('segment'),
  };
}

function parseModel(model: string | undefined): TranscriptionModel {
  if (model === undefined || model === '') throw missingParameter('model');
  if (!(TRANSCRIPTION_MODELS as readonly string[]).includes(model)) {
    // The real API answers an unknown transcription model with 400 "invalid model ID".
    throw invalidRequest(`invalid model ID '${model}' (the simulator transcribes with ${TRANSCRIPTION_MODELS.join(', ')})`, 'model', 'invalid_value');
  }
  return model as TranscriptionModel;
}

function extensionOf(file: FormFile): string {
  const fromName = /\.([A-Za-z0-9]+)$/.exec(file.filename ?? '')?.[1]?.toLowerCase();
  const fromType = EXTENSION_OF_TYPE[(file.contentType ?? '').split(';')[0].trim().toLowerCase()];
  const extension = fromName && (AUDIO_EXTENSIONS as readonly string[]).includes(fromName) ? fromName : (fromType ?? fromName);
  if (!extension || !(AUDIO_EXTENSIONS as readonly string[]).includes(extension)) {
    throw invalidRequest(`Invalid file format. Supported formats: [${AUDIO_EXTENSIONS.map((e) => `'${e}'`).join(', ')}]`, 'file');
  }
  if (file.data.length === 0) throw invalidRequest('The audio file is empty.', 'file', 'invalid_value');
  return extension;
}

function parseResponseFormat(value: string | undefined, model: TranscriptionModel): TranscriptionFormat {
  const format = value === undefined || value === '' ? 'json' : value;
  if (!(RESPONSE_FORMATS as readonly string[]).includes(format)) throw invalidValue('response_format', format, RESPONSE_FORMATS);
  if (format === 'diarized_json') {
    throw invalidRequest(`response_format 'diarized_json' is not compatible with model '${model}'.`, 'response_format', 'unsupported_value');
  }
  if (model !== 'whisper-1' && format !== 'json' && format !== 'text') {
    // The API's own wording: the gpt-4o transcribe models take json or text.
    throw invalidRequest(`response_format '${format}' is not compatible with model '${model}'. Use 'json' or 'text' instead.`, 'response_format', 'unsupported_value');
  }
  return format as TranscriptionFormat;
}

function parseLanguage(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!WHISPER_LANGUAGES[value]) {
    throw invalidRequest(`Invalid language '${value}'. Language parameter must be specified in ISO-639-1 format.`, 'language', 'invalid_language_format');
  }
  return value;
}

function parseTemperature(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const t = Number(value);
  if (!Number.isFinite(t)) throw invalidType('temperature', 'a decimal', value);
  if (t < 0) throw invalidRequest(`Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got ${t} instead.`, 'temperature', 'decimal_below_min_value');
  if (t > 1) throw invalidRequest(`Invalid 'temperature': decimal above maximum value. Expected a value <= 1, but got ${t} instead.`, 'temperature', 'decimal_above_max_value');
  return t;
}

// ---- answers

export interface TranscriptionAnswer {
  contentType: string;
  body: string | Record<string, unknown>;
}

/** pocketsphinx writes lower-case words without punctuation; segments read as sentences. */
const pronounI = (w: string) => (w === 'i' || w.startsWith("i'") ? `I${w.slice(1)}` : w);

export function sentenceOf(text: string): string {
  const words = text.split(/\s+/).filter(Boolean).map(pronounI);
  if (words.length === 0) return '';
  const sentence = words.join(' ');
  return `${sentence[0].toUpperCase()}${sentence.slice(1)}.`;
}

/** Whisper's own measure: text bytes over their zlib-compressed size. */
function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length === 0 ? 0 : bytes.length / deflateSync(bytes).length;
}

/** Stable numbers per word; not Whisper's tokenizer, but the same for the same word. */
function tokensOf(text: string): number[] {
  return text.split(/\s+/).filter(Boolean).map((word) => {
    let h = 0;
    for (const ch of word.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) % 50000;
    return 220 + h;
  });
}

export function buildTranscription(request: TranscriptionRequest, recognition: Recognition): TranscriptionAnswer {
  const segments = recognition.segments.map((s) => ({ ...s, text: sentenceOf(s.text) })).filter((s) => s.text !== '');
  const text = segments.map((s) => s.text).join(' ');
  const seconds = Math.ceil(recognition.durationS);
  switch (request.responseFormat) {
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${text}\n` };
    case 'srt':
      return { contentType: 'text/plain; charset=utf-8', body: segments.map((s, i) => `${i + 1}\n${clock(s.start, ',')} --> ${clock(s.end, ',')}\n${s.text}\n`).join('\n') + '\n' };
    case 'vtt':
      return { contentType: 'text/plain; charset=utf-8', body: `WEBVTT\n\n${segments.map((s) => `${clock(s.start, '.')} --> ${clock(s.end, '.')}\n${s.text}\n`).join('\n')}\n` };
    case 'json': {
      const words = text.split(/\s+/).filter(Boolean).length;
      const usage = request.model === 'whisper-1'
        ? { type: 'duration', seconds }
        // gpt-4o transcribe models bill tokens; the count here is an estimate (10 audio tokens a second).
        : { type: 'tokens', input_tokens: seconds * 10, input_token_details: { text_tokens: 0, audio_tokens: seconds * 10 }, output_tokens: words, total_tokens: seconds * 10 + words };
      return { contentType: 'application/json', body: { text, usage } };
    }
    case 'verbose_json': {
      const body: Record<string, unknown> = {
        task: 'transcribe',
        language: WHISPER_LANGUAGES[request.language ?? 'en'],
        duration: recognition.durationS,
        text,
      };
      if (request.segments) {
        body.segments = segments.map((s, id) => ({
          id,
          seek: Math.floor(s.start / 30) * 3000,
          start: s.start,
          end: s.end,
          text: ` ${s.text}`,
          tokens: tokensOf(s.text),
          temperature: request.temperature,
          // pocketsphinx has no Whisper-style log-probabilities: fixed values that pass the documented thresholds.
          avg_logprob: -0.25,
          compression_ratio: compressionRatio(s.text),
          no_speech_prob: 0,
        }));
      }
      if (request.words) body.words = segments.flatMap((s) => s.words.map((w) => ({ word: pronounI(w.word), start: w.start, end: w.end })));
      body.usage = { type: 'duration', seconds };
      return { contentType: 'application/json', body };
    }
  }
}

function clock(seconds: number, separator: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}
