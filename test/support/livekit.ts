import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Joins a room as a participant through LiveKit's signalling WebSocket (Node 20 has no
 * WebSocket client): enough for the server to list the participant, without media.
 */
export function joinLiveKitRoom(livekitUrl: string, token: string): Promise<{ close(): void }> {
  const base = new URL(livekitUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: base.hostname,
      port: base.port,
      path: `/rtc?access_token=${token}&protocol=15&auto_subscribe=0&sdk=js&version=2.0.0`,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    });
    req.on('upgrade', (_res, socket: Socket) => {
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      resolve({ close: () => socket.destroy() });
    });
    req.on('response', (res) => reject(new Error(`LiveKit refused the join: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}
