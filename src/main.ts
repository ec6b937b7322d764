import { loadConfigOrExit } from './config/config';
import { createLogger } from './common/logger';
import { createApp } from './app';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'recado-api');
  const app = await createApp(config, logger);
  await app.listen(config.api.port, config.api.host);
  logger.info({ url: `http://${config.api.host}:${config.api.port}`, docs: '/docs' }, 'api listening');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
