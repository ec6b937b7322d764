import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented local-stack defaults', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000' });
    expect(loadConfig({ PUBLIC_API_URL: 'https://recado.loja.com.br/' }).api.publicUrl).toBe('https://recado.loja.com.br');
    expect(config.databaseUrl).toBe('postgres://recado:recado@127.0.0.1:5433/recado');
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'recado' });
    expect(config.whatsapp.graphVersion).toBe('v23.0');
    expect(config.messages).toEqual({ sendTimeout: '30s', unknownOutcomeWait: '10m', giveUpAfter: '48h' });
    expect(config.callAudio.recordings.playbackLinkTtlMs).toBe(300_000);
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
    ['RECORDING_PLAYBACK_LINK_TTL', '5 minutes', /RECORDING_PLAYBACK_LINK_TTL: must be a duration/],
    ['RECORDING_PLAYBACK_LINK_TTL', '2h', /RECORDING_PLAYBACK_LINK_TTL: must be at most 1h/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });

  it('requires real secrets in production', () => {
    expect(() => loadConfig({ RECADO_ENV: 'production' })).toThrow(/RECADO_ADMIN_TOKEN: is required when RECADO_ENV=production/);
  });

  describe('secret keys', () => {
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 7).toString('base64');

    it('defaults to the dev key outside production, and requires one in production', () => {
      const { secrets } = loadConfig({});
      expect(secrets.current.id).toBe('dev');
      expect(secrets.current.key).toHaveLength(32);
      expect(secrets.previous).toEqual([]);
      const prodSecrets = {
        RECADO_ENV: 'production',
        RECADO_ADMIN_TOKEN: 'a',
        WHATSAPP_APP_SECRET: 'b',
        WHATSAPP_VERIFY_TOKEN: 'c',
        TYPESENSE_API_KEY: 'd',
        LIVEKIT_API_KEY: 'e',
        LIVEKIT_API_SECRET: 'f',
      };
      expect(() => loadConfig(prodSecrets)).toThrow(/RECADO_SECRET_KEY: is required when RECADO_ENV=production/);
      expect(() => loadConfig({ ...prodSecrets, RECADO_SECRET_KEY: hex })).toThrow(/RECADO_SECRET_KEY_ID: is required/);
      const prod = loadConfig({ ...prodSecrets, RECADO_SECRET_KEY: hex, RECADO_SECRET_KEY_ID: '2025-06' });
      expect(prod.secrets.current).toEqual({ id: '2025-06', key: Buffer.from(hex, 'hex') });
    });

    it('reads hex or base64 keys and the previous keys by id', () => {
      const config = loadConfig({
        RECADO_SECRET_KEY: b64,
        RECADO_SECRET_KEY_ID: 'k3',
        RECADO_SECRET_KEYS_PREVIOUS: `k1=${hex}, k2=${b64}`,
      });
      expect(config.secrets.current).toEqual({ id: 'k3', key: Buffer.alloc(32, 7) });
      expect(config.secrets.previous).toEqual([
        { id: 'k1', key: Buffer.from(hex, 'hex') },
        { id: 'k2', key: Buffer.alloc(32, 7) },
      ]);
    });

    it.each([
      [{ RECADO_SECRET_KEY: 'short', RECADO_SECRET_KEY_ID: 'k' }, /RECADO_SECRET_KEY: must be 32 bytes/],
      [{ RECADO_SECRET_KEY: 'ab'.repeat(16), RECADO_SECRET_KEY_ID: 'k' }, /RECADO_SECRET_KEY: must be 32 bytes/],
      [{ RECADO_SECRET_KEY: 'ab'.repeat(32) }, /RECADO_SECRET_KEY_ID: is required when RECADO_SECRET_KEY is set/],
      [{ RECADO_SECRET_KEY_ID: 'has:colon' }, /RECADO_SECRET_KEY_ID: must be 1-32 letters/],
      [{ RECADO_SECRET_KEYS_PREVIOUS: 'just-a-key' }, /RECADO_SECRET_KEYS_PREVIOUS: must be a comma-separated list of kid=key/],
      [{ RECADO_SECRET_KEYS_PREVIOUS: 'old=tooshort' }, /RECADO_SECRET_KEYS_PREVIOUS: key "old" must be 32 bytes/],
      [{ RECADO_SECRET_KEYS_PREVIOUS: `dev=${'cd'.repeat(32)}` }, /RECADO_SECRET_KEYS_PREVIOUS: key id "dev" is given twice/],
      [{ RECADO_SECRET_KEYS_PREVIOUS: `a=${'cd'.repeat(32)},a=${'ef'.repeat(32)}` }, /key id "a" is given twice/],
    ])('rejects %p naming the variable', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
      expect(() => loadConfig(env)).toThrow(ConfigError);
    });
  });

  it('strips trailing slashes from URLs', () => {
    expect(loadConfig({ WHATSAPP_GRAPH_URL: 'https://graph.facebook.com/' }).whatsapp.graphUrl).toBe('https://graph.facebook.com');
  });
});
