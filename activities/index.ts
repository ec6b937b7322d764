import type { Pool } from 'pg';
import { MessagesRepository } from '../src/messages/messages.repository';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import { CallPermissionsRepository } from '../src/calls/call-permissions.repository';
import { CallsRepository } from '../src/calls/calls.repository';
import { createLiveKitActivities } from './livekit';
import { createCallActivities } from './calls';
import { createWhatsAppActivities } from './whatsapp';

export interface ActivityDeps {
  pool: Pool;
  whatsapp: { graphUrl: string; graphVersion: string };
  livekit: { url: string; apiKey: string; apiSecret: string; connectorUrl: string };
  calls: { permissionRequestText: string };
}

/** Every activity the worker registers, with its clients injected. */
export function createActivities({ pool, whatsapp, livekit, calls }: ActivityDeps) {
  const messages = new MessagesRepository(pool);
  const realtime = new RealtimeRepository(pool);
  const livekitActivities = createLiveKitActivities({ ...livekit, whatsappCloudApiVersion: whatsapp.graphVersion });
  return {
    ...livekitActivities,
    ...createCallActivities({
      permissions: new CallPermissionsRepository(pool),
      calls: new CallsRepository(pool),
      livekit: livekitActivities,
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
