import { BadRequestException } from '@nestjs/common';
import { InvalidFieldError } from '../../common/errors';
import type { ContactsSearchRepository } from './contacts-search.repository';
import { TtlCache } from './contacts-search.repository';
import { ContactsSearchService } from './contacts-search.service';
import type { AttributeDefs, TypesenseSearch } from './search-params';
import { SearchRejectedError, SearchUnavailableError, type TypesenseContactSearch, type TypesenseSearchResult } from './typesense-search';

const ACCOUNT = '6f1c1d2e-0000-4000-8000-000000000001';
const defs: AttributeDefs = new Map([['fresh', 'string']]);
const repository = { attributeDefinitions: async () => defs, indexLagMs: async () => 42 } as unknown as ContactsSearchRepository;
const ok: TypesenseSearchResult = { found: 0, page: 1, search_time_ms: 3, hits: [] };

/** Answers each search with the next of `answers` (an error is thrown), recording what was asked. */
function service(...answers: (TypesenseSearchResult | Error)[]) {
  return serviceOnSchema(4, ...answers);
}

function serviceOnSchema(schemaVersion: number, ...answers: (TypesenseSearchResult | Error)[]) {
  const asked: TypesenseSearch[] = [];
  const typesense = {
    schemaVersion: async () => schemaVersion,
    search: async (_accountId: string, s: TypesenseSearch) => {
      asked.push({ ...s });
      const next = answers.shift() ?? ok;
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as TypesenseContactSearch;
  return { svc: new ContactsSearchService(repository, typesense), asked };
}

describe('ContactsSearchService', () => {
  it('one Typesense round trip, with the lag from the repository', async () => {
    const { svc, asked } = service();
    await expect(svc.search(ACCOUNT, { q: 'maria' })).resolves.toMatchObject({ found: 0, index_lag_ms: 42, search_time_ms: 3, hits: [], facets: [] });
    expect(asked).toHaveLength(1);
  });

  it('a query Typesense refuses is a 400; grammar is 400 and undeclared attributes 422, before any round trip', async () => {
    await expect(service(new SearchRejectedError(400, 'bad things')).svc.search(ACCOUNT, {})).rejects.toBeInstanceOf(BadRequestException);
    const { svc, asked } = service();
    await expect(svc.search(ACCOUNT, { tag: ['a`'] })).rejects.toBeInstanceOf(BadRequestException);
    await expect(svc.search(ACCOUNT, { attr: ['nope:1'] })).rejects.toBeInstanceOf(InvalidFieldError);
    expect(asked).toHaveLength(0);
  });

  it('Typesense unavailable stays unavailable (503 in the controller)', async () => {
    await expect(service(new SearchUnavailableError('ECONNREFUSED')).svc.search(ACCOUNT, {})).rejects.toBeInstanceOf(SearchUnavailableError);
  });

  it('no collection yet, or a filter on a field no document has: nothing matches', async () => {
    const none = service(new SearchRejectedError(404, 'Not found.'));
    await expect(none.svc.search(ACCOUNT, { facet_by: 'status' })).resolves.toMatchObject({ found: 0, facets: [{ field: 'status', counts: [] }] });
    const field = service(new SearchRejectedError(404, 'Could not find a filter field named `ca_fresh_s` in the schema.'));
    await expect(field.svc.search(ACCOUNT, { attr: ['fresh:x'] })).resolves.toMatchObject({ found: 0 });
    expect(field.asked).toHaveLength(1);
  });

  it('plans for the schema version of the account\'s collection: one without filter aids is searched without them', async () => {
    const current = service();
    await current.svc.search(ACCOUNT, { status: ['lead'], quote_value_min: 1000 });
    expect(current.asked[0].filter_by).toMatch(/^status_k:k[0-9a-f]{32} && quote_value_thousands:>=1$/);
    const v3 = serviceOnSchema(3);
    await v3.svc.search(ACCOUNT, { status: ['lead'], quote_value_min: 1000 });
    expect(v3.asked[0].filter_by).toBe('status:=[`lead`] && quote_value_floor:>=1000');
  });

  it('a sort or facet on a field no document has is dropped and the search asked again', async () => {
    const { svc, asked } = service(
      new SearchRejectedError(404, 'Could not find a field named `ca_fresh_s` in the schema for sorting.'),
      new SearchRejectedError(404, 'Could not find a facet field named `ca_fresh_s` in the schema.'),
    );
    const res = await svc.search(ACCOUNT, { sort: 'attr.fresh:asc,name:desc', facet_by: 'attr.fresh,status' });
    expect(asked.map((s) => [s.sort_by, s.facet_by])).toEqual([
      ['ca_fresh_s:asc,name:desc', 'ca_fresh_s,status'],
      ['name:desc', 'ca_fresh_s,status'],
      ['name:desc', 'status'],
    ]);
    expect(res.facets).toEqual([
      { field: 'attr.fresh', counts: [] },
      { field: 'status', counts: [] },
    ]);
  });
});

describe('TtlCache', () => {
  const settle = () => new Promise((r) => setImmediate(r));

  it('shares one load between concurrent callers and keeps the value for its TTL', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string, number>(1000, () => now);
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get('a', load)).toBe(1);
    expect(loads).toBe(1);
  });

  it('past the TTL answers the stale value at once while one load refreshes it', async () => {
    let now = 0;
    let loads = 0;
    let release!: () => void;
    const cache = new TtlCache<string, number>(1000, () => now, 10_000);
    const slow = () => new Promise<number>((resolve) => (release = () => resolve(++loads)));
    const first = cache.get('a', slow);
    release();
    expect(await first).toBe(1);
    now = 1000;
    expect(await cache.get('a', slow)).toBe(1);
    expect(await cache.get('a', slow)).toBe(1);
    release();
    await settle();
    expect(loads).toBe(2);
    expect(await cache.get('a', slow)).toBe(2);
    // Older than maxStale: the caller waits for the load.
    now = 20_000;
    const waited = cache.get('a', slow);
    release();
    expect(await waited).toBe(3);
  });

  it('does not keep a failure: a cold key rejects and the next call loads again; a warm one stays answered', async () => {
    let now = 0;
    const cache = new TtlCache<string, number>(1000, () => now, 10_000);
    await expect(cache.get('b', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('b', async () => 7)).toBe(7);
    now = 1500;
    expect(await cache.get('b', () => Promise.reject(new Error('db down')))).toBe(7);
    await settle();
    expect(await cache.get('b', async () => 8)).toBe(7);
    await settle();
    expect(await cache.get('b', async () => 9)).toBe(8);
  });
});
