import type { Provider, Type } from '@nestjs/common';
import { ContactsSearchController } from './contacts-search.controller';
import { ContactsSearchRepository } from './contacts-search.repository';
import { ContactsSearchService } from './contacts-search.service';
import { TypesenseContactSearch } from './typesense-search';

/** GET /v1/contacts/search over the Typesense contacts collection. */
export const CONTACTS_SEARCH_CONTROLLERS: Type[] = [ContactsSearchController];
export const CONTACTS_SEARCH_PROVIDERS: Provider[] = [ContactsSearchRepository, ContactsSearchService, TypesenseContactSearch];
