export type SseEvent = { event: string; data: Record<string, unknown> };

/** A server-sent events stream read incrementally: several waits can share one connection. */
export function openEventStream(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let pending: ReturnType<typeof reader.read> | null = null;

  const parse = (): SseEvent[] => {
    const events: SseEvent[] = [];
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block.split('\n').filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim()).join('\n');
      if (field('data')) events.push({ event: field('event'), data: JSON.parse(field('data')) });
    }
    return events;
  };

  /** Reads until an event matches `until`; returns every event read on the way (the match last). */
  async function waitFor(until: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
    const seen: SseEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const e of parse()) {
        seen.push(e);
        if (until(e)) return seen;
      }
      pending ??= reader.read();
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        pending,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk === 'timeout') throw new Error(`expected event not received; got ${JSON.stringify(seen)}`);
      pending = null;
      if (chunk.done) throw new Error(`stream ended; got ${JSON.stringify(seen)}`);
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  }

  return { waitFor, close: () => reader.cancel().catch(() => {}) };
}

/** Reads one stream until `until` matches, then closes it. */
export async function readEvents(res: Response, until: (e: SseEvent) => boolean, timeoutMs = 10_000) {
  const stream = openEventStream(res);
  try {
    return await stream.waitFor(until, timeoutMs);
  } finally {
    await stream.close();
  }
}
