import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented local-stack defaults', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.databaseUrl).toBe('postgres://recado:recado@127.0.0.1:5433/recado');
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'recado' });
    expect(config.whatsapp.graphVersion).toBe('v23.0');
    expect(config.messages).toEqual({ sendTimeout: '30s', unknownOutcomeWait: '10m', giveUpAfter: '48h' });
  });

  it.each([
    ['API_PORT', '70000', /API_PORT: must be a port/],
    ['API_PORT', 'abc', /API_PORT: must be a port/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: must use postgres:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: is not a valid URL/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: must be host:port/],
    ['WHATSAPP_GRAPH_VERSION', '23', /WHATSAPP_GRAPH_VERSION: must look like v23.0/],
    ['MESSAGE_SEND_TIMEOUT', '30 seconds', /MESSAGE_SEND_TIMEOUT: must be a duration/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: must be one of/],
    ['RECADO_ENV', 'staging', /RECADO_ENV: must be/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });

  it('requires real secrets in production', () => {
    expect(() => loadConfig({ RECADO_ENV: 'production' })).toThrow(/RECADO_ADMIN_TOKEN: is required when RECADO_ENV=production/);
  });

  it('strips trailing slashes from URLs', () => {
    expect(loadConfig({ WHATSAPP_GRAPH_URL: 'https://graph.facebook.com/' }).whatsapp.graphUrl).toBe('https://graph.facebook.com');
  });
});
