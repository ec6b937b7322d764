import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service';
import { ContactIndexOutboxRepository } from './outbox.repository';

/**
 * The contact index seen from the API's /metrics, read from Postgres at scrape time (the outbox
 * is the truth, whichever worker drains it). The drains' document counts are the workers':
 * recado_contact_index_documents_total{result}, through the Temporal runtime's metrics.
 */
@Injectable()
export class ContactIndexMetrics {
  constructor(metrics: MetricsService, outbox: ContactIndexOutboxRepository) {
    // One read serves every gauge of a scrape.
    let pending: ReturnType<ContactIndexOutboxRepository['backlog']> | undefined;
    const read = () => {
      pending ??= outbox.backlog().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    const gauge = (name: string, help: string, value: (b: Awaited<ReturnType<typeof read>>) => number) =>
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        async collect() {
          // Postgres not answering: the gauge keeps its last value rather than failing the whole scrape.
          const backlog = await read().catch(() => undefined);
          if (backlog) this.set(value(backlog));
        },
      });
    gauge('recado_contact_index_backlog', 'Contacts whose search document is not up to date yet', (b) => b.backlog);
    gauge('recado_contact_index_lag_seconds', 'Age of the oldest change search does not show yet', (b) => b.oldestDirtyMs / 1000);
    gauge('recado_contact_index_drains_running', 'Drains holding claims on the contact index outbox', (b) => b.drainsRunning);
  }
}
