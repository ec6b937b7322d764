/** Reads server-sent events from a stream until `until` matches one. */
export type SseEvent = { event: string; data: Record<string, unknown> };

export async function readEvents(res: Response, until: (e: SseEvent) => boolean, timeoutMs = 10_000) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), deadline - Date.now())),
      ]);
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          block.split('\n').filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim()).join('\n');
        if (!field('data')) continue;
        events.push({ event: field('event'), data: JSON.parse(field('data')) });
        if (until(events[events.length - 1])) return events;
      }
    }
    throw new Error(`expected event not received; got ${JSON.stringify(events)}`);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

