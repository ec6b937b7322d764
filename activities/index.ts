import type { Pool } from 'pg';
import { MessagesRepository } from '../src/messages/messages.repository';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import { CallPermissionsRepository } from '../src/calls/call-permissions.repository';
import { createCallActivities } from './calls';
import { createWhatsAppActivities } from './whatsapp';

export interface ActivityDeps {
  pool: Pool;
  whatsapp: { graphUrl: string; graphVersion: string };
  calls: { permissionRequestText: string };
}

/** Every activity the worker registers, with its clients injected. */
export function createActivities({ pool, whatsapp, calls }: ActivityDeps) {
  const messages = new MessagesRepository(pool);
  const realtime = new RealtimeRepository(pool);
  return {
    ...createCallActivities({
      permissions: new CallPermissionsRepository(pool),
      messages,
      realtime,
      permissionRequestText: calls.permissionRequestText,
    }),
    ...createWhatsAppActivities({
      messages,
      realtime,
      graphClient: (accessToken) =>
        new WhatsAppGraphClient({ baseUrl: whatsapp.graphUrl, version: whatsapp.graphVersion, accessToken }),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
