import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ContactErasureRepository } from './contact-erasure.repository';

/** The contact being erased, as the erasers see it inside the erasure's transaction. */
export interface ContactToErase {
  accountId: string;
  id: string;
  identities: { kind: string; value: string }[];
  /** Strings that name the contact in free text or JSON: identity values and phones' digits. */
  terms: string[];
}

/**
 * Removes (or anonymises) what one feature stores about a contact. It runs inside the erasure's
 * transaction, before the contact row is deleted, and returns how many rows it deleted or
 * rewrote: that count goes into the audit row's summary under `name`. It must not call
 * anything outside Postgres (a failure there would roll back the erasure).
 */
export interface ContactEraser {
  readonly name: string;
  erase(tx: PoolClient, contact: ContactToErase): Promise<number>;
  /**
   * What `erase` queued outside Postgres (recording files in storage), removed once the
   * transaction committed; a repeated DELETE of an incomplete erasure runs it again. Its counts
   * join the audit summary.
   */
  eraseOutside?(accountId: string, contactId: string): Promise<Record<string, number>>;
}

/**
 * Every eraser a deployment has. A feature that stores data about contacts (recordings,
 * transcripts, funnels…) injects this and registers its eraser in `onModuleInit`. Erasers
 * registered by features run first, in registration order, then the core ones (messages,
 * calls, …): a feature's rows often hang off a core row and would otherwise vanish by cascade,
 * uncounted.
 */
@Injectable()
export class ContactErasers {
  private readonly features: ContactEraser[] = [];
  private readonly core: ContactEraser[];

  constructor(repository: ContactErasureRepository) {
    this.core = repository.coreErasers();
  }

  register(eraser: ContactEraser): void {
    if (this.all().some((e) => e.name === eraser.name)) throw new Error(`a contact eraser named ${eraser.name} is registered already`);
    this.features.push(eraser);
  }

  all(): ContactEraser[] {
    return [...this.features, ...this.core];
  }
}
