import pino from 'pino';
import { startTelegramSimulator } from './server';
import { intEnv, runSimulator } from '../run-simulator';

/**
 * Entry of the local Telegram Bot API simulator (see server.ts for the endpoints): point
 * TELEGRAM_API_URL at it. Env: SIM_PORT (4030), SIM_HOST (127.0.0.1), SIM_BOT_TOKEN (a bot to
 * create at start, `<digits>:<35 characters>`; none by default), LOG_LEVEL (info).
 */

async function main() {
  const logger = pino({ name: 'telegram-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const running = await startTelegramSimulator({ port: intEnv('SIM_PORT', 4030), host: process.env.SIM_HOST || '127.0.0.1', logger });
  if (process.env.SIM_BOT_TOKEN) {
    const bot = running.simulator.addBot({ token: process.env.SIM_BOT_TOKEN });
    logger.info({ botId: bot.id, username: bot.username }, 'bot created');
  }
  logger.info(`telegram simulator listening on ${running.url} (Bot API at ${running.url}/bot<token>/<method>)`);

  return { logger, close: () => running.close() };
}

runSimulator('telegram simulator', main);
