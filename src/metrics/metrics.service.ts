import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the API process, served at /metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'recado_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly webhooks = new Counter({
    name: 'recado_webhooks_total',
    help: 'Webhook deliveries by provider and outcome (processed, ignored, invalid, failed, rejected)',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });

  readonly webhookDuplicates = new Counter({
    name: 'recado_webhook_duplicate_events_total',
    help: 'Webhook events skipped because they were already processed (provider redelivery)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly webhookEvents = new Counter({
    name: 'recado_webhook_events_total',
    help: 'Webhook events by provider, kind and outcome (applied, unhandled, ignored, duplicate, invalid)',
    labelNames: ['provider', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookWarnings = new Counter({
    name: 'recado_webhook_warnings_total',
    help: "Normalisations applied to webhooks and deviations from the provider's schema (see each delivery's warnings)",
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly storeEventsUnmapped = new Counter({
    name: 'recado_store_events_unmapped_total',
    help: 'Store platform events recado has no canonical event for, by store and platform event type (GET /v1/stores/{id}/events?status=unmapped)',
    labelNames: ['store', 'type'] as const,
    registers: [this.registry],
  });

  readonly messagesQueued = new Counter({
    name: 'recado_messages_queued_total',
    help: 'Outbound messages accepted by the API',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'recado_' });
  }
}
