import type { CallJoin } from './room';

/** A call this agent is now on and whose room the call layer joins: one they placed, accepted or were invited to. */
export interface EnteredCall {
  callId: string;
  contactId: string;
  join: CallJoin;
}

const listeners = new Set<(call: EnteredCall) => void>();

/**
 * How a view hands a call it started (the contact's Call button) to the call layer, which
 * is mounted in the shell and outlives the view.
 */
export function enterCall(call: EnteredCall): void {
  listeners.forEach((listener) => listener(call));
}

export function onEnterCall(listener: (call: EnteredCall) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
