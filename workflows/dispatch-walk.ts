/**
 * How a routed message walks its plan, shared by dispatchWorkflow and the cost bench: steps in
 * order, each tried once; the first that reaches the customer ends the walk.
 */
export type StepOutcome =
  /** The provider confirmed delivery (or, without delivery receipts, accepted it). */
  | { reached: 'delivered' | 'sent'; messageId: string }
  /**
   * Not sent, refused or reported failed (no `accepted`), or accepted without a delivery receipt
   * in time (`accepted`: the message that may still arrive): on to the next step.
   */
  | { reached: false; accepted?: string };

export type WalkResult = { state: 'delivered' | 'sent'; messageId: string; step: number } | { state: 'undelivered' };

/**
 * When every step is exhausted, a message a provider accepted but never confirmed is `sent`:
 * it may still arrive. Only a walk in which nothing was accepted is `undelivered`.
 */
export async function walkPlan(steps: number, attempt: (step: number) => Promise<StepOutcome>): Promise<WalkResult> {
  let unconfirmed: { messageId: string; step: number } | undefined;
  for (let step = 0; step < steps; step++) {
    const outcome = await attempt(step);
    if (outcome.reached) return { state: outcome.reached, messageId: outcome.messageId, step };
    if (outcome.accepted) unconfirmed = { messageId: outcome.accepted, step };
  }
  return unconfirmed ? { state: 'sent', ...unconfirmed } : { state: 'undelivered' };
}
