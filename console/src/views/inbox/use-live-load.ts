import { useEffect, useRef } from 'preact/hooks';
import { liveEvents, type LiveEvent } from '../../api/events';
import { useLoad, type Load } from '../../components/use-load';

/**
 * useLoad that also reloads, without a loading flash, whenever a live event `matters`. Events
 * arriving while a reload runs are folded into one more reload after it, so a burst costs two
 * requests, and an answer for older `deps` never replaces the current one.
 */
export function useLiveLoad<T>(load: () => Promise<T>, deps: unknown[], matters: (event: LiveEvent) => boolean): [Load<T>, () => void] {
  const [result, reload, replace] = useLoad(load, deps);
  const latest = useRef({ load, matters });
  latest.current = { load, matters };
  useEffect(() => {
    let current = true;
    let running = false;
    let again = false;
    const refresh = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const data = await latest.current.load();
          if (current) replace(data);
        } while (again && current);
      } catch {
        // A failed live refresh keeps what is on screen; the next event or a reload tries again.
      } finally {
        running = false;
      }
    };
    const unsubscribe = liveEvents.on((event) => {
      if (latest.current.matters(event)) void refresh();
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, deps);
  return [result, reload];
}

/** A field of an event's JSON payload, as text ('' when absent). */
export function eventField(event: LiveEvent, name: string): string {
  const data = event.data;
  return data && typeof data === 'object' && name in data ? String((data as Record<string, unknown>)[name]) : '';
}
