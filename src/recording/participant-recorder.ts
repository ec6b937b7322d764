import { AudioStream, DisconnectReason, RoomEvent, TrackKind } from '@livekit/rtc-node';
import { newRoom } from '../media/rtc-runtime';
import type { AudioFrame, RemoteParticipant, RemoteTrack, RemoteTrackPublication, TrackPublication, Participant } from '@livekit/rtc-node';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { mixSpeakerFiles } from './mix';
import {
  RECORDER_IDENTITY_PREFIX,
  speakerOf,
  type CallRecorder,
  type RecordedFile,
  type RecorderHooks,
  type RecordingTarget,
  type RoomEvent as CallRoomEvent,
} from './recorder';
import { emptyState, recordingStorageKey, resumableState, speakerFileName, type RecorderState } from './recording-state';
import { SpeakerFile } from './speaker-file';
import type { RecordingStorage } from './storage';

export interface ParticipantRecorderDeps {
  livekit: { url: string; apiKey: string; apiSecret: string };
  storage: RecordingStorage;
  /** Files are written under `<workDir>/<call id>/` while the call lasts. */
  workDir: string;
  maxCallDurationMs: number;
  sampleRate?: number;
  /** How often the state is heartbeated and the files' headers flushed. */
  heartbeatIntervalMs?: number;
  /** After the last participant left, how long one may take to come back before the recording ends. */
  emptyRoomGraceMs?: number;
  /** How long joining the room may take before the attempt fails (and is retried). */
  connectTimeoutMs?: number;
}

export const PARTICIPANT_RECORDER_DEFAULTS = { sampleRate: 48_000, heartbeatIntervalMs: 1_000, emptyRoomGraceMs: 3_000, connectTimeoutMs: 30_000 };

/** Thrown when the recording stops without finalizing: cancelled, or another attempt took the room over. */
export class RecordingInterruptedError extends Error {
  constructor(reason: string) {
    super(`recording interrupted: ${reason}`);
    this.name = 'RecordingInterruptedError';
  }
}

/**
 * The built-in recorder: joins the call's room as a hidden, subscribe-only participant and writes
 * one WAV per speaker on the call's timeline, then a mixed one. See RecordingSession.
 */
export class ParticipantRecorder implements CallRecorder {
  readonly name = 'participant' as const;

  constructor(private readonly deps: ParticipantRecorderDeps) {}

  record(target: RecordingTarget, hooks: RecorderHooks): Promise<RecordedFile[]> {
    return new RecordingSession({ ...PARTICIPANT_RECORDER_DEFAULTS, ...this.deps }, target, hooks).run();
  }
}

type SessionDeps = ParticipantRecorderDeps & typeof PARTICIPANT_RECORDER_DEFAULTS;
type Ending = { finalize: true; reason: string } | { finalize: false; reason: string };

class RecordingSession {
  private readonly dir: string;
  private readonly room = newRoom();
  private state: RecorderState;
  private readonly files = new Map<string, Promise<SpeakerFile>>();
  /**
   * The one track each speaker file is fed from: a re-published track replaces the previous one.
   * A stream is stopped through its reader: the stream itself is locked to it and refuses `cancel()`.
   */
  private readonly streams = new Map<string, { trackSid: string; reader: ReadableStreamDefaultReader<AudioFrame>; done: Promise<void> }>();
  private readonly present = new Set<string>();
  private readonly muteCounts = new Map<string, number>();
  private end!: (ending: Ending) => void;
  private readonly ended = new Promise<Ending>((resolve) => (this.end = resolve));
  private readonly timers: NodeJS.Timeout[] = [];
  private emptyTimer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly deps: SessionDeps,
    private readonly target: RecordingTarget,
    private readonly hooks: RecorderHooks,
  ) {
    this.dir = path.join(deps.workDir, target.callId);
    this.state = emptyState(target.callId, deps.sampleRate);
  }

  /** Wall-clock ms since the call's answer: the one timeline of every file and gap. */
  private now(): number {
    return Date.now() - this.target.answeredAt.getTime();
  }

  async run(): Promise<RecordedFile[]> {
    const previous = resumableState(this.hooks.resumeFrom, this.target.callId, this.deps.sampleRate);
    if (previous?.finalized) return previous.finalized;
    await mkdir(this.dir, { recursive: true });
    if (previous) await this.resumeFiles(previous);

    const missedFrom = previous ? Math.max(previous.listeningUntilMs, ...previous.speakers.map((s) => s.endMs)) : 0;
    // A call over before the recorder is in its room: keep what was heard, and do not join — the
    // join would recreate the closed room (LiveKit creates a room on join) and wait in it.
    const over = (await this.hooks.callEnded()) ? 'call ended before the recorder joined'
      : previous && !(await this.roomExists()) ? 'room closed' : null;
    if (over) {
      if (previous) this.addGap(missedFrom, this.now(), 'recorder restarted after the room had closed');
      await this.closeFiles();
      return this.whileBeating(() => this.finalize(over));
    }
    this.listen();
    await this.connect();
    const connectedAt = new Date();
    if (previous) {
      this.addGap(missedFrom, this.now(), 'recorder restarted');
      await this.emit({ kind: 'recording_gap', at: connectedAt, participant: null, agentId: null,
        detail: this.state.gaps[this.state.gaps.length - 1] as unknown as Record<string, unknown>, dedupKey: `recording_gap:${Math.round(missedFrom)}` });
    }
    if (await this.hooks.callEnded()) {
      // The call ended (and its room was closed) while we were joining: the room we are in is one our join recreated.
      this.end({ finalize: true, reason: 'call ended while the recorder was joining' });
    } else {
      // The call's workflow bridges the media once this is stored: nothing said after that is missed.
      await this.emit({ kind: 'recording_started', at: connectedAt, participant: null, agentId: null,
        detail: { recorder: 'participant' }, dedupKey: 'recording_started' });
      for (const p of this.room.remoteParticipants.values()) await this.joined(p);
      this.startTimers();
    }

    const ending = await this.ended;
    // Leaving the room, mixing and uploading take a while: an attempt gone silent meanwhile would
    // be taken for a dead one, and a retry would finalize beside it.
    return this.whileBeating(async () => {
      await this.stopListening();
      if (this.failure) throw this.failure;
      if (!ending.finalize) throw new RecordingInterruptedError(ending.reason);
      const files = await this.finalize(ending.reason);
      // A room still open after its call ended is one a join recreated: nobody else would close it.
      if (await this.hooks.callEnded()) await this.closeRoom();
      return files;
    });
  }

  /** Runs work that has no heartbeat of its own, heartbeating the state meanwhile. */
  private async whileBeating<T>(work: () => Promise<T>): Promise<T> {
    const beat = () => this.hooks.heartbeat(this.state);
    beat();
    const beating = setInterval(beat, this.deps.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(beating);
    }
  }

  private async resumeFiles(previous: RecorderState): Promise<void> {
    this.state = { ...previous, resumes: previous.resumes + 1, speakers: [] };
    for (const s of previous.speakers) {
      const file = await SpeakerFile.resume(this.filePath(s.name), this.deps.sampleRate, s);
      if (file) this.files.set(s.name, Promise.resolve(file));
    }
  }

  private addGap(fromMs: number, toMs: number, reason: string): void {
    if (toMs > fromMs) this.state.gaps.push({ fromMs: Math.round(fromMs), toMs: Math.round(toMs), reason });
  }

  private rooms(): RoomServiceClient {
    const { url, apiKey, apiSecret } = this.deps.livekit;
    return new RoomServiceClient(url, apiKey, apiSecret);
  }

  private async roomExists(): Promise<boolean> {
    return (await this.rooms().listRooms([this.target.roomName])).length > 0;
  }

  /** Closes the room of a call that is over (recado closed it once already); one already gone is fine. */
  private async closeRoom(): Promise<void> {
    if (await this.roomExists()) await this.rooms().deleteRoom(this.target.roomName);
  }

  /**
   * Joins the room, heartbeating meanwhile: under load a join takes seconds, and an attempt that
   * went silent would be taken for a dead one and retried beside itself. A join that hangs fails
   * the attempt after connectTimeoutMs (the retry checks the call again first).
   */
  private async connect(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`could not join room ${this.target.roomName} within ${this.deps.connectTimeoutMs} ms`)), this.deps.connectTimeoutMs);
    });
    await this.whileBeating(async () => {
      try {
        await Promise.race([this.room.connect(this.deps.livekit.url, await this.token(), { autoSubscribe: true, dynacast: false }), timedOut]);
      } catch (err) {
        this.room.removeAllListeners();
        await this.room.disconnect().catch(() => undefined);
        throw err;
      } finally {
        clearTimeout(timeout);
      }
    });
  }

  private async token(): Promise<string> {
    const at = new AccessToken(this.deps.livekit.apiKey, this.deps.livekit.apiSecret, {
      identity: `${RECORDER_IDENTITY_PREFIX}${this.target.callId}`,
      name: 'recorder',
      ttl: Math.ceil(this.deps.maxCallDurationMs / 1000) + 600,
    });
    at.addGrant({ room: this.target.roomName, roomJoin: true, hidden: true, recorder: true, canPublish: false, canPublishData: false, canSubscribe: true });
    return at.toJwt();
  }

  private listen(): void {
    this.room
      .on(RoomEvent.ParticipantConnected, (p) => this.guard(this.joined(p)))
      .on(RoomEvent.ParticipantDisconnected, (p) => this.guard(this.left(p)))
      .on(RoomEvent.TrackSubscribed, (track, publication, p) => this.subscribed(track, publication, p))
      .on(RoomEvent.TrackUnsubscribed, (_track, publication, p) => this.unsubscribed(publication, p))
      .on(RoomEvent.TrackMuted, (publication, p) => this.guard(this.muted(publication, p, true)))
      .on(RoomEvent.TrackUnmuted, (publication, p) => this.guard(this.muted(publication, p, false)))
      .on(RoomEvent.Disconnected, (reason) => {
        // Another attempt joined with our identity: it records from here, this one must not finalize.
        if (reason === DisconnectReason.DUPLICATE_IDENTITY) this.end({ finalize: false, reason: 'another recorder took over the room' });
        else this.end({ finalize: true, reason: 'room closed' });
      });
    this.hooks.signal.addEventListener('abort', () => this.end({ finalize: false, reason: 'cancelled' }), { once: true });
    if (this.hooks.signal.aborted) this.end({ finalize: false, reason: 'cancelled' });
  }

  private startTimers(): void {
    const untilMax = this.deps.maxCallDurationMs - this.now();
    this.timers.push(setTimeout(() => this.end({ finalize: true, reason: 'maximum call duration reached' }), Math.max(0, untilMax)));
    this.timers.push(setInterval(() => this.guard(this.checkpoint()), this.deps.heartbeatIntervalMs));
  }

  /**
   * Heartbeats where every file got, after flushing their headers (a crash leaves valid WAVs).
   * While nobody is in the room it also asks whether the call is over: a room recreated by a join
   * that raced the call's end has nobody to close it, nor anyone to leave it.
   */
  private async checkpoint(): Promise<void> {
    const files = await Promise.all(this.files.values());
    await Promise.all(files.map((f) => f.flush()));
    this.state.listeningUntilMs = this.now();
    this.state.speakers = files.map((f) => ({ ...f.state }));
    this.hooks.heartbeat(this.state);
    if (this.present.size === 0 && (await this.hooks.callEnded())) {
      this.end({ finalize: true, reason: 'call ended' });
    }
  }

  private isRecorder(p: Participant): boolean {
    return p.identity.startsWith(RECORDER_IDENTITY_PREFIX);
  }

  private async joined(p: RemoteParticipant): Promise<void> {
    if (this.isRecorder(p)) return;
    this.present.add(p.identity);
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.emptyTimer = null;
    const { agentId } = speakerOf(p.identity);
    await this.emit({ kind: 'joined', at: new Date(), participant: p.identity, agentId, detail: { name: p.name ?? '' }, dedupKey: `joined:${p.sid}` });
  }

  private async left(p: RemoteParticipant): Promise<void> {
    if (this.isRecorder(p)) return;
    this.present.delete(p.identity);
    if (this.present.size === 0) {
      this.emptyTimer = setTimeout(() => this.end({ finalize: true, reason: 'everyone left' }), this.deps.emptyRoomGraceMs);
    }
    await this.emit({ kind: 'left', at: new Date(), participant: p.identity, agentId: speakerOf(p.identity).agentId, dedupKey: `left:${p.sid}` });
  }

  private async muted(publication: TrackPublication, p: Participant, muted: boolean): Promise<void> {
    if (this.isRecorder(p) || p === this.room.localParticipant) return;
    const key = `${muted ? 'muted' : 'unmuted'}:${publication.sid}`;
    const n = (this.muteCounts.get(key) ?? 0) + 1;
    this.muteCounts.set(key, n);
    await this.emit({ kind: muted ? 'muted' : 'unmuted', at: new Date(), participant: p.identity, agentId: speakerOf(p.identity).agentId,
      detail: { track: publication.sid }, dedupKey: `${key}:${n}` });
  }

  private subscribed(track: RemoteTrack, publication: RemoteTrackPublication, p: RemoteParticipant): void {
    if (track.kind !== TrackKind.KIND_AUDIO || this.isRecorder(p)) return;
    const { speaker, agentId } = speakerOf(p.identity);
    const name = speakerFileName(speaker, agentId);
    if (!name) return; // an agent identity recado never issued: not a file name we would write
    void this.streams.get(name)?.reader.cancel().catch(() => undefined);
    const reader = new AudioStream(track, { sampleRate: this.deps.sampleRate, numChannels: 1 }).getReader();
    const entry = { trackSid: publication.sid ?? '', reader, done: Promise.resolve() };
    entry.done = this.pump(reader, this.fileFor(name, speaker, agentId, p.identity)).catch((err: Error) => {
      this.failure ??= err;
      this.end({ finalize: false, reason: err.message });
    });
    this.streams.set(name, entry);
  }

  private unsubscribed(publication: RemoteTrackPublication, p: RemoteParticipant): void {
    const { speaker, agentId } = speakerOf(p.identity);
    const name = speakerFileName(speaker, agentId);
    const entry = name ? this.streams.get(name) : undefined;
    if (entry && entry.trackSid === publication.sid) void entry.reader.cancel().catch(() => undefined);
  }

  private async pump(reader: ReadableStreamDefaultReader<AudioFrame>, file: (heardAtMs: number, frameMs: number) => Promise<SpeakerFile>): Promise<void> {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const frame: AudioFrame = value;
      const heardAt = this.now();
      (await file(heardAt, (frame.samplesPerChannel / frame.sampleRate) * 1000)).append(frame.data, heardAt);
    }
  }

  /** The speaker's file, created at its first audio: that moment is its offset on the call's timeline. */
  private fileFor(name: string, speaker: 'customer' | 'agent', agentId: string | null, identity: string) {
    return (heardAtMs: number, frameMs: number): Promise<SpeakerFile> => {
      let file = this.files.get(name);
      if (!file) {
        const offsetMs = Math.max(0, heardAtMs - frameMs);
        file = SpeakerFile.create(this.filePath(name), this.deps.sampleRate, { name, speaker, agentId, participantIdentity: identity, offsetMs });
        this.files.set(name, file);
      }
      return file;
    };
  }

  private filePath(name: string): string {
    return path.join(this.dir, `${name}.wav`);
  }

  private async stopListening(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.room.removeAllListeners();
    for (const { reader } of this.streams.values()) await reader.cancel().catch(() => undefined);
    await Promise.all([...this.streams.values()].map((s) => s.done));
    await this.room.disconnect();
    await this.closeFiles();
  }

  /** Closes every speaker file (a resumed attempt's included): what they hold is what gets finalized. */
  private async closeFiles(): Promise<void> {
    const files = await Promise.all(this.files.values());
    for (const f of files) await f.close();
    this.state.speakers = files.map((f) => ({ ...f.state }));
  }

  private async finalize(reason: string): Promise<RecordedFile[]> {
    const speakers = this.state.speakers;
    const recorded: RecordedFile[] = [];
    if (speakers.length > 0) {
      const mixedPath = path.join(this.dir, 'mixed.wav');
      const { offsetMs } = await mixSpeakerFiles(speakers.map((s) => ({ path: this.filePath(s.name), offsetMs: s.offsetMs })), mixedPath, this.deps.sampleRate);
      for (const s of speakers) {
        recorded.push(await this.upload(this.filePath(s.name), s.name, s.offsetMs, { speaker: s.speaker, agentId: s.agentId, participantIdentity: s.participantIdentity }));
      }
      recorded.push(await this.upload(mixedPath, 'mixed', offsetMs, { speaker: null, agentId: null, participantIdentity: null }));
    }
    this.state.finalized = recorded;
    this.hooks.heartbeat(this.state);
    await this.emit({ kind: 'recording_stopped', at: new Date(), participant: null, agentId: null,
      detail: { reason, files: recorded.length }, dedupKey: 'recording_stopped' });
    await rm(this.dir, { recursive: true, force: true });
    return recorded;
  }

  private async upload(file: string, name: string, offsetMs: number, who: Pick<RecordedFile, 'speaker' | 'agentId' | 'participantIdentity'>): Promise<RecordedFile> {
    const storageKey = recordingStorageKey(this.target.accountId, this.target.callId, name);
    await this.deps.storage.put(storageKey, { file }, 'audio/wav');
    const bytes = (await stat(file)).size;
    const durationMs = Math.round(((bytes - 44) / 2 / this.deps.sampleRate) * 1000);
    return {
      kind: who.speaker ? 'speaker' : 'mixed',
      ...who,
      storageKey,
      contentType: 'audio/wav',
      bytes,
      durationMs,
      sampleRate: this.deps.sampleRate,
      channels: 1,
      offsetMs: Math.round(offsetMs),
      // A gap concerns every file that had begun before the recorder got back.
      gaps: this.state.gaps.filter((g) => g.toMs > offsetMs),
    };
  }

  private async emit(event: CallRoomEvent): Promise<void> {
    await this.hooks.onEvent(event);
  }

  /** Event handlers cannot be awaited by the emitter: a failure ends the recording instead of vanishing. */
  private guard(work: Promise<void>): void {
    work.catch((err: Error) => {
      this.failure ??= err;
      this.end({ finalize: false, reason: err.message });
    });
  }
}
