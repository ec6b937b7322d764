import { loadInboundConfig } from './inbound.config';

describe('loadInboundConfig', () => {
  it('has documented defaults', () => {
    expect(loadInboundConfig({})).toEqual({
      queueMax: 2000,
      processConcurrency: 4,
      reprocessAfterMs: 30_000,
      sweepEveryMs: 15_000,
      storeBatchMax: 100,
      storeWriters: 4,
      lookupCacheTtlMs: 5_000,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadInboundConfig({ WEBHOOK_QUEUE_MAX: '0' })).toThrow(/WEBHOOK_QUEUE_MAX/);
    expect(() => loadInboundConfig({ WEBHOOK_LOOKUP_CACHE_TTL: 'soon' })).toThrow(/WEBHOOK_LOOKUP_CACHE_TTL/);
  });
});
