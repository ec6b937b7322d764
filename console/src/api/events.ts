import { signOut, token } from '../session';
import { SseParser } from './sse-parser';

/** An event of GET /v1/events: its type and its JSON payload. */
export interface LiveEvent {
  type: string;
  data: unknown;
}

type Listener = (event: LiveEvent) => void;
const RETRY_MS = 3000;

/**
 * The agent's live event stream (GET /v1/events, SSE), read with fetch so the token goes in
 * the Authorization header. While it is open the agent counts as online. Views subscribe with
 * `on(listener)`; the stream reconnects after a drop until `stop()`.
 */
export class LiveEvents {
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private controller: AbortController | undefined;

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  start(): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.readOnce(signal);
      } catch {
        // Dropped or refused: said through onStatus, then tried again.
      }
      this.status(false);
      if (signal.aborted || !token()) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private async readOnce(signal: AbortSignal): Promise<void> {
    const response = await fetch('/v1/events', {
      headers: { authorization: `Bearer ${token() ?? ''}`, accept: 'text/event-stream' },
      signal,
    });
    // A revoked token ends the session, as it does for every other request (api/client.ts).
    if (response.status === 401) signOut();
    if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
    this.status(true);
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) this.emit(event.event, event.data);
    }
  }

  private emit(type: string, raw: string): void {
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // Not JSON: passed on as text.
    }
    // Nest's SSE frames carry the type inside the data ({ type, … }) when no `event:` line is sent.
    const named = type === 'message' && data && typeof data === 'object' && 'type' in data ? String(data.type) : type;
    this.listeners.forEach((listener) => listener({ type: named, data }));
  }

  private status(connected: boolean): void {
    this.statusListeners.forEach((listener) => listener(connected));
  }
}

export const liveEvents = new LiveEvents();
