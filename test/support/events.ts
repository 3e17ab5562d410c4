// Builders for test events in the contract's shape.
import { randomUUID } from 'node:crypto'
import type { ShopEvent } from '../../src/model/event.ts'

export const T0 = Date.UTC(2026, 5, 1, 9, 0, 0)
export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export function track(name: string, properties: Record<string, unknown> = {}, opts: { customerId?: string; ts?: number; messageId?: string } = {}): ShopEvent {
  return {
    type: 'track',
    messageId: opts.messageId ?? randomUUID(),
    customerId: opts.customerId ?? 'c1',
    name,
    ts: opts.ts ?? T0,
    properties,
    context: {},
  }
}

export function identify(traits: Record<string, unknown>, opts: { customerId?: string; ts?: number } = {}): ShopEvent {
  return { type: 'identify', messageId: randomUUID(), customerId: opts.customerId ?? 'c1', name: 'Identify', ts: opts.ts ?? T0, properties: traits, context: {} }
}

/** A Segment wire message (what a client sends). */
export function wireTrack(userId: string, event: string, properties: Record<string, unknown>, timestamp: Date | number = T0): Record<string, unknown> {
  return { type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(timestamp).toISOString() }
}

export function wireIdentify(userId: string, traits: Record<string, unknown>, timestamp: Date | number = T0): Record<string, unknown> {
  return { type: 'identify', messageId: randomUUID(), userId, traits, timestamp: new Date(timestamp).toISOString() }
}
