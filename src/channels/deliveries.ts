// Delivery outcomes are history rows like any other event. One builder, so the dispatcher, the
// tracking links and provider callbacks all write the same shape with deterministic ids.
import type { DeliveryRow, DeliveryStatus } from '../store/history/HistoryStore.ts'

export interface DeliverySubject {
  id: string
  customerId: string
  channel: string
  template: string
  attempts: number
}

/**
 * `discriminator` keeps distinct rows of one status apart (the attempt for failures, the link name
 * for clicks); a repeated callback with the same discriminator lands on the same id and is deduped.
 */
export function deliveryRow(message: DeliverySubject, status: DeliveryStatus, detail: string, ts: number, discriminator: string | number = message.attempts): DeliveryRow {
  return {
    id: `${message.id}:${status}:${discriminator}`,
    outbox_id: message.id,
    customer_id: message.customerId,
    channel: message.channel,
    template: message.template,
    status,
    attempt: message.attempts,
    detail,
    ts,
  }
}
