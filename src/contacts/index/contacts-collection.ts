import { Client as TypesenseClient } from 'typesense';
import type { CollectionCreateSchema } from 'typesense/lib/Typesense/Collections';
import type { Config } from '../../config/config';
import { CONTACT_COLLECTION_FIELDS, CONTACT_SCHEMA_VERSION } from './contact-document';

/**
 * Each account's contacts live in a collection of their own, behind the account's alias
 * `<TYPESENSE_COLLECTION>_<account id, hex>`. Searches and the indexer only ever name that alias;
 * a reindex builds a new collection and swaps the alias to it. One collection per account keeps
 * tenants apart by construction (a search names its account's collection, whatever its filters
 * say) and keeps searches fast: no filter over every account's documents to pick one account's.
 */

export function accountAlias(base: string, accountId: string): string {
  return `${base}_${accountId.replace(/-/g, '').toLowerCase()}`;
}

/** The account behind an alias of `base` (accountAlias's inverse), or undefined. */
export function accountOfAlias(base: string, alias: string): string | undefined {
  const hex = new RegExp(`^${base}_([0-9a-f]{32})$`).exec(alias)?.[1];
  return hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function createTypesenseClient(config: Config['typesense'], timeoutSeconds = 10): TypesenseClient {
  const url = new URL(config.url);
  return new TypesenseClient({
    nodes: [{ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol.replace(':', '') }],
    apiKey: config.apiKey,
    connectionTimeoutSeconds: timeoutSeconds,
    numRetries: 0,
    logLevel: 'silent',
  });
}

function isNotFound(err: unknown): boolean {
  return (err as { httpStatus?: number })?.httpStatus === 404;
}

/** `<alias>_v<schema>_<epoch ms>`: the schema version shows which collections a reindex must replace. */
export function newCollectionName(alias: string, now = Date.now()): string {
  return `${alias}_v${CONTACT_SCHEMA_VERSION}_${now}`;
}

/** The schema version a collection was built with, from its name; 1 for the first ones, named without it. */
export function schemaVersionOf(collection: string): number {
  const version = /_v(\d+)(_\d+)?$/.exec(collection)?.[1];
  return version === undefined ? 1 : Number(version);
}

export async function createContactsCollection(client: TypesenseClient, name: string): Promise<void> {
  const schema: CollectionCreateSchema = {
    name,
    fields: CONTACT_COLLECTION_FIELDS,
    default_sorting_field: 'updated_at',
    token_separators: ['-', '_', '.', '@', '+'],
  };
  await client.collections().create(schema);
}

/** The collection the alias points at, or undefined when there is no alias yet. */
export async function aliasTarget(client: TypesenseClient, alias: string): Promise<string | undefined> {
  try {
    return (await client.aliases(alias).retrieve()).collection_name;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Creates the account's first collection and its alias when missing; returns the collection the alias points at. */
export async function ensureContactsCollection(client: TypesenseClient, alias: string): Promise<string> {
  const existing = await aliasTarget(client, alias);
  if (existing) return existing;
  const name = newCollectionName(alias);
  await createContactsCollection(client, name);
  await client.aliases().upsert(alias, { collection_name: name });
  return name;
}

/** Points the alias at `collection` (atomic for searches) and returns the one it pointed at before. */
export async function swapAlias(client: TypesenseClient, alias: string, collection: string): Promise<string | undefined> {
  const previous = await aliasTarget(client, alias);
  await client.aliases().upsert(alias, { collection_name: collection });
  return previous;
}
