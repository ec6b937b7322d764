import { loadCrmConfig } from './crm.config';

describe('loadCrmConfig', () => {
  it('defaults to Pipedrive itself, with short rate-limit waits inside the call', () => {
    expect(loadCrmConfig({}).pipedrive).toEqual({ apiUrl: 'https://api.pipedrive.com', requestTimeoutMs: 10_000, rateLimitMaxWaitMs: 2000, rateLimitRetries: 2, queueMaxWaitMs: 10_000 });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadCrmConfig({ PIPEDRIVE_API_URL: 'ftp://x' })).toThrow(/PIPEDRIVE_API_URL/);
    expect(() => loadCrmConfig({ PIPEDRIVE_RATE_LIMIT_MAX_WAIT: '2' })).toThrow(/PIPEDRIVE_RATE_LIMIT_MAX_WAIT/);
    expect(() => loadCrmConfig({ PIPEDRIVE_RATE_LIMIT_RETRIES: '-1' })).toThrow(/PIPEDRIVE_RATE_LIMIT_RETRIES/);
  });
});
