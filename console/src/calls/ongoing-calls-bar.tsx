import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { navigate } from '../router';
import { agentName, contactName } from './call-names';
import type { Loaded } from './loaded';
import { OngoingCallsStrip, type OngoingCall } from './ongoing-calls-strip';

/**
 * The account's calls under way (GET /v1/calls/ongoing) above every view, reloaded whenever a
 * call changes state (`version` counts the call.updated events); a call opens its page in the history.
 */
export function OngoingCallsBar({ version }: { version: number }) {
  const [calls, setCalls] = useState<Loaded<OngoingCall[]>>({ state: 'loading' });
  const [raw, setRaw] = useState<unknown[]>([]);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let current = true;
    api
      .GET('/v1/calls/ongoing')
      .then(ok)
      .then(async (list) => {
        const named = await Promise.all(
          list.map(async (call) => ({
            id: call.id,
            contactName: (await contactName(call.contact_id)) ?? call.contact_id,
            agentNames: call.agent_id ? [(await agentName(call.agent_id)) ?? call.agent_id] : [],
            answeredAt: call.accepted_at ?? undefined,
          })),
        );
        if (!current) return;
        setRaw(list);
        setCalls({ state: 'ready', value: named });
      })
      .catch((error: unknown) => current && setCalls({ state: 'failed', message: error instanceof Error ? error.message : String(error) }));
    return () => {
      current = false;
    };
  }, [version]);

  // The clock ticks only while there is a call whose length is shown.
  useEffect(() => {
    if (raw.length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [raw.length]);

  return <OngoingCallsStrip calls={calls} now={now} onOpen={(id) => navigate(`/calls/${id}`)} />;
}
