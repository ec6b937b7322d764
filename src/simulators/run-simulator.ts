import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';

/**
 * Runs a simulator's entry point: `start` brings it up; SIGINT or SIGTERM closes it once and
 * exits (1 if closing failed); a failure to start exits 1 with the reason.
 */
export function runSimulator(name: string, start: () => Promise<{ logger: Logger; close: () => Promise<void> }>): void {
  start().then(
    ({ logger, close }) => {
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, `${name} shutting down`);
        close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, `${name} failed to close`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    },
    (err: unknown) => {
      console.error(`${name} failed to start: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

/** Listens on `host:port` (0: a free port) and returns the URL it is reachable at. */
export async function listenOn(app: FastifyInstance, port: number, host: string): Promise<string> {
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
}

/** A non-negative integer from the environment, or `fallback` when unset. */
export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}
