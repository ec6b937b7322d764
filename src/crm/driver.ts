/**
 * What recado asks of a CRM (checkout intents, checkout recovery): find or create the customer,
 * open a deal for the purchase, close it when paid, and hand a follow-up to the deal's owner.
 * Ids are the CRM's own, as strings, so a CRM whose ids are not numbers fits too.
 */

export type CrmId = string;

export interface UpsertPersonInput {
  name: string;
  /** Looked up first; a returning customer is found by it before anything is created. */
  email?: string;
  /** E.164; looked up when no person has the e-mail. */
  phone?: string;
}

export interface UpsertPersonResult {
  personId: CrmId;
  /** true: no person had the e-mail or the phone, one was created. */
  created: boolean;
  /** true: an existing person lacked the e-mail or phone and got it. */
  updated: boolean;
}

export interface CreateDealInput {
  personId: CrmId;
  title: string;
  /** In the currency's major unit (reais, not centavos), as CRMs show it. */
  value: number;
  /** ISO 4217, e.g. BRL. */
  currency: string;
  /** The CRM's default pipeline when absent. */
  pipelineId?: CrmId;
  /** The pipeline's first stage when absent. */
  stageId?: CrmId;
}

export interface CreateDealResult {
  dealId: CrmId;
  ownerId: CrmId;
  pipelineId: CrmId;
  stageId: CrmId;
}

export interface CreateActivityInput {
  dealId: CrmId;
  subject: string;
  /** YYYY-MM-DD. */
  dueDate: string;
  /** The deal's owner when absent (not the API user), so the follow-up lands with whoever owns the sale. */
  ownerId?: CrmId;
  /** The CRM's activity type key (Pipedrive: call, task, …); the CRM's default when absent. */
  type?: string;
}

export interface CrmDriver {
  upsertPerson(input: UpsertPersonInput): Promise<UpsertPersonResult>;
  createDeal(input: CreateDealInput): Promise<CreateDealResult>;
  /** Idempotent: marking a won deal won again changes nothing. */
  markDealWon(dealId: CrmId): Promise<void>;
  createActivity(input: CreateActivityInput): Promise<{ activityId: CrmId; ownerId: CrmId }>;
  addNote(input: { dealId: CrmId; content: string }): Promise<{ noteId: CrmId }>;
  dealOwner(dealId: CrmId): Promise<CrmId>;
}

/**
 * A CRM call failed. `retryable` says whether the same call may succeed later (rate limit, CRM
 * down, network); `retryAfterMs` is how long the CRM asked to wait, when it said. Subclasses name
 * the cause so a Temporal retry policy can list the non-retryable ones in `nonRetryableErrorTypes`.
 */
export class CrmError extends Error {
  override readonly name: string = 'CrmError';

  constructor(
    message: string,
    readonly retryable: boolean,
    /** HTTP status, or null when no answer came. */
    readonly status: number | null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** The credentials were refused (401): retrying cannot help until someone fixes the token. */
export class CrmUnauthorizedError extends CrmError {
  override readonly name = 'CrmUnauthorizedError';

  constructor(message: string) {
    super(message, false, 401);
  }
}

/** The CRM rejected the request itself (400, 403, 404, 410, 422…): the same request fails again. */
export class CrmRejectedError extends CrmError {
  override readonly name = 'CrmRejectedError';

  constructor(message: string, status: number) {
    super(message, false, status);
  }
}

/** Too many requests (429) and the wait is longer than the driver waits itself. */
export class CrmRateLimitedError extends CrmError {
  override readonly name = 'CrmRateLimitedError';

  constructor(message: string, retryAfterMs: number | null) {
    super(message, true, 429, retryAfterMs);
  }
}

/** The CRM failed (5xx) or did not answer (network, timeout). */
export class CrmUnavailableError extends CrmError {
  override readonly name = 'CrmUnavailableError';

  constructor(message: string, status: number | null) {
    super(message, true, status);
  }
}

/** For a Temporal retry policy's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_CRM_ERRORS = ['CrmUnauthorizedError', 'CrmRejectedError'] as const;
