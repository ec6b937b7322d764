/**
 * WhatsApp's customer-service window: free-form messages (text, interactive) reach a customer
 * only within 24 h of their last message to the number; outside it the Cloud API refuses them
 * (131047) and only an approved template goes. It runs from the customer's last message
 * (contact_channel_activity.last_inbound_at); a call does not move it.
 */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether free-form messages may go to a customer who last wrote at `lastInboundAt`. */
export function serviceWindowOpen(lastInboundAt: Date | null | undefined, now: number): boolean {
  return lastInboundAt != null && now - lastInboundAt.getTime() < SERVICE_WINDOW_MS;
}
