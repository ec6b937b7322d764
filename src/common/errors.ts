/** Domain errors thrown by services; the global filter maps them to HTTP responses. */
export class NotFoundError extends Error {
  readonly status = 404;
  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

export class InvalidFieldError extends Error {
  readonly status = 422;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidFieldError';
  }
}

export class ConflictError extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A request carries more than a documented limit allows (e.g. contacts per bulk request). */
export class PayloadTooLargeError extends Error {
  readonly status = 413;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PayloadTooLargeError';
  }
}

/** A limit (Meta's or ours) refuses the operation until `nextAllowedAt`. */
export class LimitReachedError extends Error {
  readonly status = 429;
  constructor(
    message: string,
    readonly limit: string,
    readonly nextAllowedAt: Date,
  ) {
    super(message);
    this.name = 'LimitReachedError';
  }
}

export type DomainError = NotFoundError | InvalidFieldError | ConflictError | LimitReachedError | PayloadTooLargeError;

export function isDomainError(err: unknown): err is DomainError {
  return (
    err instanceof NotFoundError ||
    err instanceof InvalidFieldError ||
    err instanceof ConflictError ||
    err instanceof LimitReachedError ||
    err instanceof PayloadTooLargeError
  );
}
