import Ajv from 'ajv';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { encodeWav, parseWav } from '../src/media/wav';
import { startOpenAISimulator, type RunningOpenAISimulator } from '../src/simulators/openai/server';

/**
 * The OpenAI simulator through the real `openai` client: speech from espeak-ng recognised by
 * pocketsphinx, the documented answer shapes (checked against OpenAI's own examples in
 * test/fixtures/openai), OpenAI's errors as the client classifies them, faults and the summary.
 *
 * Recognition share: espeak-ng's en-us+f2 voice at 140 words a minute; pocketsphinx 5.1.1 gets
 * 23 of these 33 words (70 %) back in order, the same every run (sox converts without dither).
 * The assertion is the documented floor: at least 60 % of the spoken words, in order.
 */

const FIXTURES = path.join(__dirname, 'fixtures', 'openai');
const SPOKEN = 'Hello, I am calling about my order. It arrived broken and I would like a refund please. Good morning. I would like to know when my package will arrive. Thank you very much.';
const MIN_WORD_SHARE = 0.6;

let sim: RunningOpenAISimulator;
let client: OpenAI;
let dir: string;
let wav: Buffer;
let clipSeconds: number;

const words = (text: string) => text.toLowerCase().replace(/[^a-z' ]+/g, ' ').split(/\s+/).filter(Boolean);

/** Share of the spoken words found in the transcript in the same order (longest common subsequence). */
function wordShare(spoken: string, heard: string): number {
  const a = words(spoken);
  const b = words(heard);
  const row = new Array<number>(b.length + 1).fill(0);
  for (const word of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = word === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1]);
      diagonal = up;
    }
  }
  return row[b.length] / a.length;
}

/** Keys and JSON types, recursively; an array by its first item. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]));
  return typeof value;
}

/** The published verbose_json examples elide items with "..." lines; drop those and the commas they leave. */
function readElidedFixture(name: string): unknown {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  return JSON.parse(text.replace(/^\s*\.\.\.\s*$/gm, '').replace(/,(\s*[\]}])/g, '$1'));
}

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const clip = () => toFile(wav, 'call.wav', { type: 'audio/wav' });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recado-openai-test-'));
  const file = path.join(dir, 'spoken.wav');
  execFileSync('espeak-ng', ['-v', 'en-us+f2', '-s', '140', '-w', file, SPOKEN]);
  wav = fs.readFileSync(file);
  clipSeconds = Number(execFileSync('soxi', ['-D', file]).toString().trim());
  sim = await startOpenAISimulator();
  client = new OpenAI({ apiKey: 'sk-recado-test-key', baseURL: sim.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await sim?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('transcription with real speech recognition', () => {
  it('hears most of the spoken words, with segment and word times inside the clip', async () => {
    const result = await client.audio.transcriptions.create({
      file: await clip(),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    const share = wordShare(SPOKEN, result.text);
    console.log(`openai simulator: ${(share * 100).toFixed(0)} % of ${words(SPOKEN).length} spoken words recognised in order: "${result.text}"`);
    expect(share).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(result.language).toBe('english');
    expect(Math.abs(result.duration - clipSeconds)).toBeLessThan(0.05);
    expect(result.segments?.length).toBeGreaterThan(0);
    let previousEnd = 0;
    for (const segment of result.segments ?? []) {
      expect(segment.start).toBeGreaterThanOrEqual(previousEnd);
      expect(segment.end).toBeGreaterThan(segment.start);
      expect(segment.end).toBeLessThanOrEqual(clipSeconds);
      previousEnd = segment.end;
    }
    expect(result.words?.length).toBeGreaterThanOrEqual(words(SPOKEN).length * MIN_WORD_SHARE);
    for (const word of result.words ?? []) {
      expect(word.start).toBeGreaterThanOrEqual(0);
      expect(word.end).toBeLessThanOrEqual(clipSeconds);
    }
  });

  it('hears speech that runs to the last sample of the file', async () => {
    // A recording cut while someone speaks: 16 kHz, its trailing silence trimmed, and a whole
    // number of the voice detector's 30 ms frames long — the stream ends with the speech open.
    const cut = path.join(dir, 'cut.wav');
    execFileSync('sox', [path.join(dir, 'spoken.wav'), '-r', '16000', '-c', '1', '-b', '16', cut, 'reverse', 'silence', '1', '0.01', '0.1%', 'reverse']);
    const audio = parseWav(fs.readFileSync(cut));
    const frame = 480;
    const samples = audio.samples.subarray(0, audio.samples.length - (audio.samples.length % frame));
    const result = await client.audio.transcriptions.create({
      file: await toFile(encodeWav({ ...audio, samples }), 'cut.wav', { type: 'audio/wav' }),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['segment'],
    });
    expect(wordShare(SPOKEN, result.text)).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(result.segments!.at(-1)!.end).toBeCloseTo(samples.length / 16_000, 1);
  });

  it('answers json, text, srt and vtt in their documented forms', async () => {
    const json = await client.audio.transcriptions.create({ file: await clip(), model: 'gpt-4o-mini-transcribe' });
    expect(wordShare(SPOKEN, json.text)).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    const text = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', response_format: 'text' });
    expect(text).toBe(`${json.text}\n`);
    const srt = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', response_format: 'srt' });
    expect(srt).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n\S.*\n\n/);
    const vtt = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', response_format: 'vtt' });
    expect(vtt).toMatch(/^WEBVTT\n\n\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}\n\S/);
  });

  it('reads FLAC as well, and takes another language while recognising English', async () => {
    const flac = path.join(dir, 'spoken.flac');
    execFileSync('sox', [path.join(dir, 'spoken.wav'), flac]);
    const result = await client.audio.transcriptions.create({
      file: await toFile(fs.readFileSync(flac), 'call.flac'),
      model: 'whisper-1',
      language: 'pt',
      response_format: 'verbose_json',
    });
    expect(result.language).toBe('portuguese');
    expect(wordShare(SPOKEN, result.text)).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
  });

  it("gives the same keys and types as OpenAI's published examples", async () => {
    const json = await client.audio.transcriptions.create({ file: await clip(), model: 'gpt-4o-transcribe' });
    expect(shapeOf(json)).toEqual(shapeOf(fixture('transcription.default.json')));
    const withWords = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'] });
    expect(shapeOf(withWords)).toEqual(shapeOf(readElidedFixture('transcription.word-timestamps.txt')));
    const withSegments = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['segment'] });
    expect(shapeOf(withSegments)).toEqual(shapeOf(readElidedFixture('transcription.segment-timestamps.txt')));
  });
});

describe("OpenAI's errors, as the client sees them", () => {
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return err as InstanceType<typeof OpenAI.APIError>;
    }
    throw new Error('expected the request to fail');
  };

  it('refuses a missing or malformed key with 401', async () => {
    const missing = await fetch(`${sim.baseURL}/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    const bad = await rejection(new OpenAI({ apiKey: 'not-a-key', baseURL: sim.baseURL, maxRetries: 0 }).models.list());
    expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(bad.code).toBe('invalid_api_key');
  });

  it('names the parameter of a bad transcription request', async () => {
    const model = await rejection(client.audio.transcriptions.create({ file: await clip(), model: 'whisper-2' }));
    expect(model).toBeInstanceOf(OpenAI.BadRequestError);
    expect(model.param).toBe('model');
    const format = await rejection(client.audio.transcriptions.create({ file: await clip(), model: 'gpt-4o-transcribe', response_format: 'verbose_json' }));
    expect(format).toBeInstanceOf(OpenAI.BadRequestError);
    expect([format.param, format.code]).toEqual(['response_format', 'unsupported_value']);
    const granularity = await rejection(client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1', timestamp_granularities: ['word'] }));
    expect(granularity.param).toBe('timestamp_granularities');
    const notAudio = await rejection(client.audio.transcriptions.create({ file: await toFile(Buffer.from('hello'), 'notes.txt'), model: 'whisper-1' }));
    expect(notAudio.message).toMatch(/Invalid file format\. Supported formats: \['flac'/);
    // MP3 is on OpenAI's list, but Debian's sox here has no MP3 decoder: an honest 400.
    const mp3 = await rejection(client.audio.transcriptions.create({ file: await toFile(wav, 'call.mp3'), model: 'whisper-1' }));
    expect(mp3).toBeInstanceOf(OpenAI.BadRequestError);
    expect([mp3.param, mp3.message]).toEqual(['file', expect.stringMatching(/The audio file could not be decoded or its format is not supported\./)]);
  });

  it('refuses a body over 25 MiB with 413', async () => {
    const big = await rejection(client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(26_214_400), 'big.wav'), model: 'whisper-1' }));
    expect(big.status).toBe(413);
    expect(big.message).toMatch(/Maximum content size limit \(26214400\) exceeded \(\d+ bytes read\)/);
  });

  it('names the parameter of a bad chat request and answers an unknown model with 404', async () => {
    const role = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'boss', content: 'x' } as never] }));
    expect(role).toBeInstanceOf(OpenAI.BadRequestError);
    expect([role.param, role.code]).toEqual(['messages[0].role', 'invalid_value']);
    const unknown = await rejection(client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.code).toBe('model_not_found');
  });

  it('fails the next requests on demand (429, 500) and retries succeed', async () => {
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 429, count: 1, retryAfterMs: 0 }) });
    const limited = await rejection(client.models.list());
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.code).toBe('rate_limit_exceeded');
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 500, count: 1, retryAfterMs: 0, path: '/v1/chat' }) });
    const retrying = new OpenAI({ apiKey: 'sk-recado-test-key', baseURL: sim.baseURL, maxRetries: 1 });
    const completion = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.object).toBe('chat.completion');
    const statuses = ((await (await fetch(`${sim.url}/_sim/requests`)).json()) as { data: Array<{ path: string; status: number }> }).data
      .filter((r) => r.path === '/v1/chat/completions').slice(-2).map((r) => r.status);
    expect(statuses).toEqual([500, 200]);
  });

  it('puts its processing time and a request id on every answer, delays included', async () => {
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delayMs: 250, count: 1 }) });
    const { response } = await client.models.list().withResponse();
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(250);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-version')).toBe('2020-10-01');
    const failed = await rejection(client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(failed.requestID).toMatch(/^req_/);
    expect(failed.headers?.get('openai-processing-ms')).toMatch(/^\d+$/);
  });
});

describe('chat completions', () => {
  const summarySchema = {
    type: 'object',
    additionalProperties: false,
    required: ['reason', 'outcome', 'next_steps', 'sentiment', 'follow_up_date', 'generated_by'],
    properties: {
      reason: { type: 'string' },
      outcome: { type: 'string' },
      next_steps: { type: 'array', items: { type: 'string' } },
      sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'] },
      follow_up_date: { type: ['string', 'null'] },
      generated_by: { type: 'string' },
    },
  };

  it('summarises a transcript into JSON that validates against the given schema', async () => {
    const heard = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1' });
    const before = Date.now();
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Summarise this support call.' },
        { role: 'user', content: `Customer: ${heard.text}\nAgent Ana: We will send a new one and call you back tomorrow.` },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'call_summary', strict: true, schema: summarySchema } },
    });
    const summary = JSON.parse(completion.choices[0].message.content ?? 'null');
    const ajv = new Ajv();
    expect(ajv.validate(summarySchema, summary)).toBe(true);
    expect(summary.generated_by).toBe('recado-openai-simulator');
    expect(completion.model).toBe('recado-openai-simulator');
    expect(summary.next_steps).toContain('We will send a new one and call you back tomorrow.');
    // "tomorrow" is read against the simulator's clock at the request, which may straddle midnight.
    const tomorrow = (at: number) => new Date(at + 86_400_000).toISOString().slice(0, 10);
    expect([tomorrow(before), tomorrow(Date.now())]).toContain(summary.follow_up_date);
  });

  it("gives the same keys and types as OpenAI's published example", async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(shapeOf(completion)).toEqual(shapeOf(fixture('chat-completion.default.json')));
  });

  it('lists its models and keeps what it received for tests', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(expect.arrayContaining(['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini']));
    const received = ((await (await fetch(`${sim.url}/_sim/requests`)).json()) as { data: Array<{ path: string; body: any; recognition?: { audioS: number } }> }).data;
    const upload = received.find((r) => r.path === '/v1/audio/transcriptions' && r.recognition);
    expect(upload?.body.file).toMatchObject({ filename: 'call.wav', bytes: wav.length });
    expect(upload?.recognition?.audioS).toBeCloseTo(clipSeconds, 1);
  });
});
