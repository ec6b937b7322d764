import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { CONTACT_SCHEMA_VERSION, type ContactDocument } from '../index/contact-document';
import { accountAlias, schemaVersionOf } from '../index/contacts-collection';
import { TtlCache } from './contacts-search.repository';
import type { TypesenseSearch } from './search-params';

/** How long the schema version of an account's collection is trusted (a reindex swaps it). */
export const SCHEMA_VERSION_TTL_MS = 5_000;

/** One search waits this long for Typesense before it is answered 503. */
export const SEARCH_TIMEOUT_MS = 5_000;

/** Typesense was not reached, timed out or failed on its side: the search may succeed later. */
export class SearchUnavailableError extends Error {
  constructor(readonly detail: string) {
    super(`contact search is unavailable (Typesense: ${detail}); try again shortly`);
    this.name = 'SearchUnavailableError';
  }
}

/** Typesense refused the search itself (4xx). */
export class SearchRejectedError extends Error {
  constructor(
    readonly code: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'SearchRejectedError';
  }
}

export interface TypesenseSearchResult {
  found: number;
  page: number;
  search_time_ms: number;
  hits?: { document: ContactDocument }[];
  facet_counts?: { field_name: string; counts: { value: string; count: number }[] }[];
}

/**
 * The search of one account's contacts collection, behind its alias. POST /multi_search with one search: the
 * parameters travel in the body (GET caps the query string at 4000 characters), one round trip.
 */
@Injectable()
export class TypesenseContactSearch {
  private readonly versions = new TtlCache<string, number>(SCHEMA_VERSION_TTL_MS);

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  /**
   * The schema version of the collection behind the account's alias, so a search uses only the
   * filter aids that collection has (one that predates them answers correctly, more slowly, until
   * `npm run contacts:reindex`). No alias yet: the current version (the search then finds nothing).
   */
  schemaVersion(accountId: string): Promise<number> {
    return this.versions.get(accountId, async () => {
      const res = await this.request(`/aliases/${accountAlias(this.config.typesense.collection, accountId)}`);
      if (res.status === 404) return CONTACT_SCHEMA_VERSION;
      if (!res.ok) throw new SearchUnavailableError(`HTTP ${res.status}`);
      const { collection_name } = (await res.json()) as { collection_name: string };
      return schemaVersionOf(collection_name);
    });
  }

  async search(accountId: string, search: TypesenseSearch): Promise<TypesenseSearchResult> {
    const res = await this.request('/multi_search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ searches: [{ collection: accountAlias(this.config.typesense.collection, accountId), ...search }] }),
    });
    const body = (await res.json().catch(() => undefined)) as
      | { results?: (TypesenseSearchResult & { code?: number; error?: string })[]; message?: string }
      | undefined;
    // 401/403: recado's key is wrong, not the caller's query.
    if (res.status >= 500 || res.status === 401 || res.status === 403 || !body) throw new SearchUnavailableError(`HTTP ${res.status}`);
    if (res.status >= 400) throw new SearchRejectedError(res.status, body.message ?? `HTTP ${res.status}`);
    const result = body.results?.[0];
    if (!result) throw new SearchUnavailableError('answer without results');
    if (result.code !== undefined && result.code >= 500) throw new SearchUnavailableError(`${result.code} ${result.error ?? ''}`.trim());
    if (result.code !== undefined && result.code >= 400) throw new SearchRejectedError(result.code, result.error ?? `code ${result.code}`);
    return result;
  }

  /** A request to Typesense with recado's key, bounded by SEARCH_TIMEOUT_MS; not reached or too slow is SearchUnavailableError. */
  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.config.typesense.url}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'x-typesense-api-key': this.config.typesense.apiKey },
        signal: AbortSignal.timeout(SEARCH_TIMEOUT_MS),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new SearchUnavailableError(e.name === 'TimeoutError' ? `no answer within ${SEARCH_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message));
    }
  }
}
