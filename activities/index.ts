import type { Pool } from 'pg';
import { MessagesRepository } from '../src/messages/messages.repository';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import { createWhatsAppActivities } from './whatsapp';

export interface ActivityDeps {
  pool: Pool;
  whatsapp: { graphUrl: string; graphVersion: string };
}

/** Every activity the worker registers, with its clients injected. */
export function createActivities({ pool, whatsapp }: ActivityDeps) {
  return {
    ...createWhatsAppActivities({
      messages: new MessagesRepository(pool),
      realtime: new RealtimeRepository(pool),
      graphClient: (accessToken) =>
        new WhatsAppGraphClient({ baseUrl: whatsapp.graphUrl, version: whatsapp.graphVersion, accessToken }),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
