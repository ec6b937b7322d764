import type { Logger } from 'pino';

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
