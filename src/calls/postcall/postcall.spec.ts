import { splitForUpload } from './audio-parts';
import { parseCallSummary } from './summary-schema';
import { mergeTranscripts, onCallClock, transcriptText } from './transcript';

describe('splitting a recording for the 25 MB upload limit', () => {
  const fiveMinutes = { dataBytes: 5 * 60 * 48_000 * 2, sampleRate: 48_000, channels: 1 }; // 28.8 MB of samples

  it('cuts on whole samples into contiguous parts that each fit, with their offsets', () => {
    const limit = 25 * 1024 * 1024;
    const parts = splitForUpload(fiveMinutes, limit);
    expect(parts).toHaveLength(2);
    expect(parts[0].dataStart).toBe(0);
    expect(parts[1].dataStart).toBe(parts[0].dataEnd);
    expect(parts[1].dataEnd).toBe(fiveMinutes.dataBytes);
    for (const p of parts) {
      expect((p.dataEnd - p.dataStart) % 2).toBe(0);
      expect(p.dataEnd - p.dataStart + 44).toBeLessThan(limit);
    }
    expect(parts[1].offsetMs).toBe(Math.round((parts[0].dataEnd / 2 / 48_000) * 1000));
  });

  it('keeps a small recording whole, and an empty one as one empty part', () => {
    expect(splitForUpload({ dataBytes: 96_000, sampleRate: 48_000, channels: 1 }, 25 * 1024 * 1024)).toEqual([
      { index: 0, dataStart: 0, dataEnd: 96_000, offsetMs: 0 },
    ]);
    expect(splitForUpload({ dataBytes: 0, sampleRate: 48_000, channels: 1 }, 1_000_000)).toEqual([{ index: 0, dataStart: 0, dataEnd: 0, offsetMs: 0 }]);
  });

  it('splits stereo on frames', () => {
    const parts = splitForUpload({ dataBytes: 4_000_000, sampleRate: 16_000, channels: 2 }, 1_000_000);
    expect(parts.length).toBe(5);
    for (const p of parts) expect(p.dataStart % 4).toBe(0);
  });
});

describe('one transcript from each speaker’s', () => {
  it('orders every speaker’s segments by time on the call’s clock, labelled, without empty ones', () => {
    const lines = mergeTranscripts([
      { speaker: 'agent', agentId: 'a1', name: 'Ana', segments: onCallClock([{ start: 0.5, end: 2, text: ' Hello, this is Ana. ' }, { start: 6, end: 7, text: 'Sure.' }], 0) },
      { speaker: 'customer', agentId: null, name: 'Maria', segments: onCallClock([{ start: 0, end: 1.5, text: 'I need my order' }, { start: 1, end: 1.2, text: ' ' }], 2500) },
    ]);
    expect(lines.map((l) => [l.name, l.start_ms, l.text])).toEqual([
      ['Ana', 500, 'Hello, this is Ana.'],
      ['Maria', 2500, 'I need my order'],
      ['Ana', 6000, 'Sure.'],
    ]);
    expect(lines[1]).toMatchObject({ speaker: 'customer', agent_id: null, end_ms: 4000 });
    expect(transcriptText(lines)).toBe('Ana: Hello, this is Ana.\nMaria: I need my order\nAna: Sure.');
  });
});

describe('the summary the model returns', () => {
  const good = { reason: 'order status', outcome: 'resolved', next_steps: ['ship'], sentiment: 'positive', follow_up_date: '2026-12-10' };

  it('is accepted when it matches the schema', () => {
    expect(parseCallSummary(JSON.stringify(good))).toEqual(good);
    expect(parseCallSummary(JSON.stringify({ ...good, follow_up_date: null })).follow_up_date).toBeNull();
  });

  it('is refused, naming what is wrong, when it does not', () => {
    expect(() => parseCallSummary('not json')).toThrow(/not JSON/);
    expect(() => parseCallSummary(JSON.stringify({ ...good, sentiment: 'happy' }))).toThrow(/\/sentiment/);
    expect(() => parseCallSummary(JSON.stringify({ ...good, follow_up_date: 'tomorrow' }))).toThrow(/follow_up_date/);
    expect(() => parseCallSummary(JSON.stringify({ ...good, outcome: undefined }))).toThrow(/outcome/);
  });
});
