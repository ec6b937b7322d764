import type { Pool } from 'pg';

/**
 * After the load: does the index hold, for every updated contact, the last update the API
 * acknowledged (`score` = its sequence number), and the revision Postgres holds?
 * lost: Postgres or Typesense does not show the last acknowledged update;
 * out_of_order: the document is older than the row it was built from (revision behind).
 */
export async function verifyIndex(
  pool: Pool,
  typesense: { url: string; apiKey: string },
  alias: string,
  lastSeq: Map<string, number>,
  seqStart: number,
): Promise<{ lost: number; lostInPostgres: number; outOfOrder: number; checked: number }> {
  const ids = [...lastSeq.keys()];
  const rows = new Map<string, { score: number; revision: number }>();
  for (let i = 0; i < ids.length; i += 10_000) {
    const { rows: chunk } = await pool.query<{ id: string; score: string | null; revision: string }>(
      `SELECT id, attributes->>'score' AS score, revision FROM contacts WHERE id = ANY($1::uuid[])`,
      [ids.slice(i, i + 10_000)],
    );
    for (const r of chunk) rows.set(r.id, { score: Number(r.score), revision: Number(r.revision) });
  }
  const docs = new Map<string, { score: number; revision: number }>();
  const res = await fetch(
    `${typesense.url}/collections/${alias}/documents/export?filter_by=${encodeURIComponent(`ca_score_n:>=${seqStart}`)}&include_fields=id,ca_score_n,revision`,
    { headers: { 'x-typesense-api-key': typesense.apiKey } },
  );
  if (!res.ok) throw new Error(`Typesense export → ${res.status} ${await res.text()}`);
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue;
    const doc = JSON.parse(line) as { id: string; ca_score_n: number; revision: number };
    docs.set(doc.id, { score: doc.ca_score_n, revision: doc.revision });
  }
  let lost = 0;
  let lostInPostgres = 0;
  let outOfOrder = 0;
  for (const [id, n] of lastSeq) {
    const row = rows.get(id);
    const doc = docs.get(id);
    if (!row || row.score !== n) lostInPostgres++;
    if (!row || !doc || doc.score !== n || row.score !== n) lost++;
    else if (doc.revision < row.revision) outOfOrder++;
  }
  return { lost, lostInPostgres, outOfOrder, checked: lastSeq.size };
}
