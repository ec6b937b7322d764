import { STORE_PLATFORMS } from '../canonical-event';
import { PLATFORM_ADAPTERS } from './index';

describe('PLATFORM_ADAPTERS', () => {
  it('has one adapter per store platform, each named for its platform', () => {
    expect(Object.keys(PLATFORM_ADAPTERS).sort()).toEqual([...STORE_PLATFORMS].sort());
    for (const platform of STORE_PLATFORMS) expect(PLATFORM_ADAPTERS[platform].platform).toBe(platform);
  });
});
