import { BadRequestException, Injectable } from '@nestjs/common';
import { InvalidFieldError } from '../../common/errors';
import type { ContactDocument } from '../index/contact-document';
import { ContactsSearchRepository } from './contacts-search.repository';
import { planSearch, SearchParamError, type AttributeDefs, type ContactSearchParams, type PlanOptions, type PlannedSearch } from './search-params';
import { toContactHit, toFacets, type ContactHit, type FacetView } from './search-results';
import { SearchRejectedError, TypesenseContactSearch, type TypesenseSearchResult } from './typesense-search';

export interface ContactSearchResult {
  found: number;
  page: number;
  per_page: number;
  hits: ContactHit[];
  facets: FacetView[];
  index_lag_ms: number;
  search_time_ms: number;
}

/**
 * Fields of custom attributes exist in the collection only once some document has them: a field
 * no document has cannot match a filter, order a sort or count a facet, so Typesense's "no such
 * field" is answered as that instead of an error.
 */
const MISSING_FILTER_FIELD = /Could not find a filter field named `([^`]+)`/;
const MISSING_SORT_FIELD = /Could not find a field named `([^`]+)` in the schema for sorting/;
const MISSING_FACET_FIELD = /Could not find a facet field named `([^`]+)`/;

@Injectable()
export class ContactsSearchService {
  constructor(
    private readonly repository: ContactsSearchRepository,
    private readonly typesense: TypesenseContactSearch,
  ) {}

  async search(accountId: string, params: ContactSearchParams): Promise<ContactSearchResult> {
    const [defs, lag, schemaVersion] = await Promise.all([
      this.repository.attributeDefinitions(accountId),
      this.repository.indexLagMs(accountId),
      this.typesense.schemaVersion(accountId),
    ]);
    const plan = this.plan(params, defs, { schemaVersion });
    const result = await this.run(accountId, plan);
    return {
      found: result.found,
      page: plan.search.page,
      per_page: plan.search.per_page,
      hits: (result.hits ?? []).map((h) => toContactHit(h.document, defs)),
      facets: toFacets(plan.facets, result.facet_counts),
      index_lag_ms: lag,
      search_time_ms: result.search_time_ms,
    };
  }

  private plan(params: ContactSearchParams, defs: AttributeDefs, options?: PlanOptions): PlannedSearch {
    try {
      return planSearch(params, defs, options);
    } catch (err) {
      if (!(err instanceof SearchParamError)) throw err;
      if (err.kind === 'account') throw new InvalidFieldError(err.field, err.reason);
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: err.message, field: err.field });
    }
  }

  /** One round trip; another only when a sort or facet names an attribute no document has yet. */
  private async run(accountId: string, plan: PlannedSearch): Promise<TypesenseSearchResult> {
    const search = { ...plan.search };
    for (;;) {
      try {
        return await this.typesense.search(accountId, search);
      } catch (err) {
        if (!(err instanceof SearchRejectedError)) throw err;
        const empty: TypesenseSearchResult = { found: 0, page: search.page, search_time_ms: 0, hits: [] as { document: ContactDocument }[] };
        // No collection yet: nothing of the account's has been indexed.
        if (err.code === 404 && /^Not found\.?$/.test(err.detail)) return empty;
        if (MISSING_FILTER_FIELD.test(err.detail)) return empty;
        const sortField = MISSING_SORT_FIELD.exec(err.detail)?.[1];
        if (sortField !== undefined && search.sort_by.includes(sortField)) {
          search.sort_by = search.sort_by.split(',').filter((s) => s.split(':')[0] !== sortField).join(',') || 'updated_at:desc';
          continue;
        }
        const facetField = MISSING_FACET_FIELD.exec(err.detail)?.[1];
        if (facetField !== undefined && search.facet_by?.split(',').includes(facetField)) {
          search.facet_by = search.facet_by.split(',').filter((f) => f !== facetField).join(',') || undefined;
          if (search.facet_by === undefined) delete search.max_facet_values;
          continue;
        }
        throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `the search index refused the query: ${err.detail}` });
      }
    }
  }
}
