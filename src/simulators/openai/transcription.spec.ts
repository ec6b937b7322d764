import { OpenAIError } from './errors';
import { parseMultipart, type FormData } from './multipart';
import type { Recognition } from './recogniser';
import { buildTranscription, parseTranscriptionRequest, sentenceOf } from './transcription';

const WAV = Buffer.from('RIFF....WAVEfmt ');

function form(fields: Record<string, string | string[]>, file: { filename: string | null; contentType?: string | null } | null = { filename: 'call.wav' }): FormData {
  const f: FormData = { fields: new Map(), files: new Map() };
  for (const [k, v] of Object.entries(fields)) f.fields.set(k, Array.isArray(v) ? v : [v]);
  if (file) f.files.set('file', { filename: file.filename, contentType: file.contentType ?? null, data: WAV });
  return f;
}

function errorOf(fn: () => unknown): OpenAIError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OpenAIError) return err;
    throw err;
  }
  throw new Error('expected an OpenAIError');
}

describe('transcription request validation (as OpenAI validates createTranscription)', () => {
  it('accepts the documented minimal request and applies the defaults', () => {
    const request = parseTranscriptionRequest(form({ model: 'whisper-1' }));
    expect(request).toMatchObject({ model: 'whisper-1', extension: 'wav', responseFormat: 'json', temperature: 0, language: null, words: false, segments: true });
  });

  it('requires file and model, naming them', () => {
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1' }, null))).toBody().error).toEqual({
      message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: 'missing_required_parameter',
    });
    expect(errorOf(() => parseTranscriptionRequest(form({}))).param).toBe('model');
  });

  it('refuses an unknown model with 400 invalid model ID', () => {
    const error = errorOf(() => parseTranscriptionRequest(form({ model: 'gpt-4o-mini' })));
    expect(error.status).toBe(400);
    expect(error.param).toBe('model');
    expect(error.message).toMatch(/^invalid model ID/);
  });

  it("refuses a file whose format is not one of OpenAI's list, with the API's message", () => {
    const error = errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1' }, { filename: 'notes.txt', contentType: 'text/csv' })));
    expect(error.status).toBe(400);
    expect(error.message).toBe("Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']");
  });

  it('takes the format from the content type when the file name has no extension', () => {
    expect(parseTranscriptionRequest(form({ model: 'whisper-1' }, { filename: 'blob', contentType: 'audio/flac' })).extension).toBe('flac');
  });

  it('refuses unknown response formats and, for the gpt-4o models, anything but json and text', () => {
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', response_format: 'xml' }))).toBody().error).toMatchObject({
      param: 'response_format', code: 'invalid_value',
    });
    const error = errorOf(() => parseTranscriptionRequest(form({ model: 'gpt-4o-transcribe', response_format: 'verbose_json' })));
    expect(error.message).toBe("response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.");
    expect(error.code).toBe('unsupported_value');
    expect(parseTranscriptionRequest(form({ model: 'gpt-4o-mini-transcribe', response_format: 'text' })).responseFormat).toBe('text');
  });

  it('takes timestamp_granularities[] only with verbose_json and only word/segment', () => {
    const both = parseTranscriptionRequest(form({ model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] }));
    expect(both).toMatchObject({ words: true, segments: true });
    const wordsOnly = parseTranscriptionRequest(form({ model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': 'word' }));
    expect(wordsOnly).toMatchObject({ words: true, segments: false });
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', 'timestamp_granularities[]': 'word' }))).param).toBe('timestamp_granularities');
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': 'sentence' }))).param).toBe('timestamp_granularities[0]');
  });

  it('checks language (ISO-639-1 codes Whisper knows) and temperature (0..1)', () => {
    expect(parseTranscriptionRequest(form({ model: 'whisper-1', language: 'pt' })).language).toBe('pt');
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', language: 'portuguese' }))).toBody().error).toMatchObject({
      param: 'language', code: 'invalid_language_format',
    });
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', temperature: '1.5' }))).code).toBe('decimal_above_max_value');
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', temperature: 'hot' }))).param).toBe('temperature');
  });

  it('refuses arguments the API does not have', () => {
    expect(errorOf(() => parseTranscriptionRequest(form({ model: 'whisper-1', speed: '2' }))).message).toBe('Unrecognized request argument supplied: speed');
  });
});

describe('multipart/form-data reading', () => {
  it('reads what fetch sends: fields, repeated fields and a file with its name and type', async () => {
    const body = new globalThis.FormData();
    body.append('model', 'whisper-1');
    body.append('timestamp_granularities[]', 'word');
    body.append('timestamp_granularities[]', 'segment');
    body.append('file', new Blob([Buffer.from([0, 1, 2, 13, 10, 45, 45])], { type: 'audio/wav' }), 'call "a".wav');
    const request = new Request('http://x/', { method: 'POST', body });
    const parsed = parseMultipart(Buffer.from(await request.arrayBuffer()), request.headers.get('content-type') ?? undefined);
    expect(parsed.fields.get('model')).toEqual(['whisper-1']);
    expect(parsed.fields.get('timestamp_granularities[]')).toEqual(['word', 'segment']);
    const file = parsed.files.get('file');
    expect(file?.contentType).toBe('audio/wav');
    expect(file?.data).toEqual(Buffer.from([0, 1, 2, 13, 10, 45, 45]));
    expect(file?.filename).toMatch(/^call .*a.*\.wav$/);
  });

  it('answers a JSON body with the Content-Type error the API gives', () => {
    expect(errorOf(() => parseMultipart(Buffer.from('{}'), 'application/json')).message).toMatch(/^Invalid Content-Type header \(application\/json\), expected multipart\/form-data/);
  });
});

describe('transcription answers', () => {
  const recognition: Recognition = {
    durationS: 4.2,
    convertMs: 1,
    decodeMs: 1,
    segments: [
      { start: 0.3, end: 1.9, text: 'hello i am calling', words: [{ word: 'hello', start: 0.3, end: 0.7 }, { word: 'i', start: 0.8, end: 0.9 }, { word: 'am', start: 0.9, end: 1.1 }, { word: 'calling', start: 1.1, end: 1.9 }] },
      { start: 2.5, end: 3.95, text: 'about my order', words: [{ word: 'about', start: 2.5, end: 2.9 }, { word: 'my', start: 2.9, end: 3.1 }, { word: 'order', start: 3.1, end: 3.95 }] },
    ],
  };
  const answer = (fields: Record<string, string | string[]>) => buildTranscription(parseTranscriptionRequest(form({ model: 'whisper-1', ...fields })), recognition);

  it('reads segments as sentences', () => {
    expect(sentenceOf("i think i'm fine")).toBe("I think I'm fine.");
    expect(answer({}).body).toEqual({ text: 'Hello I am calling. About my order.', usage: { type: 'duration', seconds: 5 } });
  });

  it('writes text, srt and vtt as the API does', () => {
    expect(answer({ response_format: 'text' })).toEqual({ contentType: 'text/plain; charset=utf-8', body: 'Hello I am calling. About my order.\n' });
    expect(answer({ response_format: 'srt' }).body).toBe('1\n00:00:00,300 --> 00:00:01,900\nHello I am calling.\n\n2\n00:00:02,500 --> 00:00:03,950\nAbout my order.\n\n');
    expect(answer({ response_format: 'vtt' }).body).toBe('WEBVTT\n\n00:00:00.300 --> 00:00:01.900\nHello I am calling.\n\n00:00:02.500 --> 00:00:03.950\nAbout my order.\n\n');
  });

  it('writes verbose_json with segments and, when asked, words', () => {
    const body = answer({ response_format: 'verbose_json', language: 'pt', 'timestamp_granularities[]': ['word', 'segment'] }).body as Record<string, any>;
    expect(body).toMatchObject({ task: 'transcribe', language: 'portuguese', duration: 4.2, text: 'Hello I am calling. About my order.' });
    expect(body.segments[1]).toMatchObject({ id: 1, seek: 0, start: 2.5, end: 3.95, text: ' About my order.', temperature: 0, no_speech_prob: 0 });
    expect(body.segments[1].tokens).toHaveLength(3);
    expect(body.words).toHaveLength(7);
    expect(body.words[1]).toEqual({ word: 'I', start: 0.8, end: 0.9 });
  });
});
