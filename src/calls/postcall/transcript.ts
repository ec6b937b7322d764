/**
 * One speaker-labelled transcript from the transcriptions of each speaker's own recording: the
 * segments of all speakers ordered by when they were said, on the call's clock (from the answer).
 */

export interface TimedSegment {
  start_ms: number;
  end_ms: number;
  text: string;
}

export interface SpeakerTranscript {
  speaker: 'customer' | 'agent';
  agentId: string | null;
  name: string;
  /** already on the call's clock */
  segments: TimedSegment[];
}

export interface TranscriptLine extends TimedSegment {
  speaker: 'customer' | 'agent';
  agent_id: string | null;
  name: string;
}

export function mergeTranscripts(speakers: SpeakerTranscript[]): TranscriptLine[] {
  const lines: TranscriptLine[] = [];
  for (const s of speakers) {
    for (const seg of s.segments) {
      const text = seg.text.trim();
      if (text) lines.push({ speaker: s.speaker, agent_id: s.agentId, name: s.name, start_ms: seg.start_ms, end_ms: seg.end_ms, text });
    }
  }
  // Same start: the earlier end first, then the customer, so the order never depends on input order.
  return lines.sort(
    (a, b) => a.start_ms - b.start_ms || a.end_ms - b.end_ms || a.speaker.localeCompare(b.speaker) || a.name.localeCompare(b.name),
  );
}

/** The transcript as the summary model reads it: one "name: text" line per segment. */
export function transcriptText(lines: TranscriptLine[]): string {
  return lines.map((l) => `${l.name}: ${l.text}`).join('\n');
}

/**
 * A verbose_json segment list (seconds, relative to the uploaded part) on the call's clock:
 * shifted by where the part starts in the recording and where the recording starts in the call.
 */
export function onCallClock(segments: Array<{ start: number; end: number; text: string }>, shiftMs: number): TimedSegment[] {
  return segments.map((s) => ({ start_ms: Math.round(s.start * 1000) + shiftMs, end_ms: Math.round(s.end * 1000) + shiftMs, text: s.text }));
}
