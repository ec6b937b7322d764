import path from 'node:path';
import { FfiEvent, livekitInitialize } from '@livekit/rtc-ffi-bindings';
import { Room } from '@livekit/rtc-node';

/**
 * Every LiveKit room recado joins from Node (the recorder, the Connector simulator's WhatsApp
 * caller, test and bench speakers) is made here, so that the process runs rtc-node as a server
 * should:
 *
 * - rtc-node 1.1.0 starts its native runtime with log capture on and no level: every debug line
 *   of libwebrtc (about 250 a second per room) crosses into JavaScript, and each one is handed to
 *   every room of the process. With 20 rooms that was 3,300 events a second and a fifth of a core
 *   doing nothing else, enough to delay the Temporal worker sharing the process. The runtime is
 *   set up again without capture, forwarding the same events to rtc-node's client; the native
 *   logs then follow RUST_LOG (errors by default) on stderr.
 * - rtc-node's own logger is at debug unless NODE_ENV=production; it is set to LIVEKIT_LOG_LEVEL
 *   (default warn).
 *
 * Both reach into rtc-node's files (pinned in package.json); if their shape changes, rooms still
 * work and only the logging is left as rtc-node sets it.
 */
export function newRoom(): Room {
  prepareRtcRuntime();
  return new Room();
}

let prepared = false;

function prepareRtcRuntime(): void {
  if (prepared) return;
  prepared = true;
  const { FfiClient } = rtcNodeInternal<{ FfiClient?: { instance: NodeJS.EventEmitter } }>('ffi_client.cjs');
  const { log } = rtcNodeInternal<{ log?: { level: string } }>('log.cjs');
  const { SDK_VERSION } = rtcNodeInternal<{ SDK_VERSION?: string }>('version.cjs');
  if (log) log.level = process.env.LIVEKIT_LOG_LEVEL ?? 'warn';
  if (!FfiClient?.instance || !SDK_VERSION) return;
  const client = FfiClient.instance; // starts the runtime (with capture) if nothing has yet
  livekitInitialize((data) => client.emit('ffi_event', FfiEvent.fromBinary(data)), false, SDK_VERSION);
}

/** A file of rtc-node's dist that its package exports do not list. */
function rtcNodeInternal<T>(file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- not reachable through the package's exports
  return require(path.join(path.dirname(require.resolve('@livekit/rtc-node')), file)) as T;
}
