import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** What a failed activity says, with its error type when it has one ("CallNotDialed: …"). */
export function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}
