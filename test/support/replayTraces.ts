// What the replay sandbox tests share: fuzz settings, a scheduled-care rule, and birthdays inside a
// generated trace's period so that rule has someone to greet.
import { generateTrace, type SegmentMessage } from '../../src/demo/trace.ts'

export const FUZZ_RUNS = Number(process.env.CARELOOP_FUZZ_RUNS ?? 3)
export const FUZZ_SEED = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)
export const DAY = 86_400_000

/** A generated trace with its timestamps floored to `roundTo` ms, so that several events share a moment. */
export function roundedTrace(t: { seed: number; shoppers: number; days: number; roundTo: number }): SegmentMessage[] {
  return generateTrace({ seed: t.seed, shoppers: t.shoppers, days: t.days }).map((m) => ({
    ...m,
    timestamp: new Date(Math.floor(Date.parse(m.timestamp) / t.roundTo) * t.roundTo).toISOString(),
  }))
}

export const birthdayRule = {
  id: 'birthday-greeting',
  name: 'Birthday greeting',
  triggers: [{ schedule: { cron: '0 9 * * *', anniversary: 'traits.birthday' } }],
  actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }],
}

/** Identify messages giving the first `count` customers a birthday on the trace's days 1, 2 …, the first in Shanghai, the others in Los Angeles. */
/**
 * A VIP whose big order's parcel is reported delayed (a task for a person) and delivered a day
 * later (the task closes as moot): property tests that require closed tasks do not rely on chance.
 */
export function lateParcelDelivered(firstTimestamp: string | undefined): SegmentMessage[] {
  const first = Date.parse(firstTimestamp ?? '2026-01-01T00:00:00Z')
  const at = (hours: number): string => new Date(first + hours * 3_600_000).toISOString()
  const base = { userId: 'late-parcel-vip' }
  const track = (id: string, hours: number, event: string, properties: Record<string, unknown>) => ({ type: 'track', messageId: `late-parcel-${id}`, ...base, timestamp: at(hours), event, properties })
  return [
    { type: 'identify', messageId: 'late-parcel-id', ...base, timestamp: at(1), traits: { email: 'late-parcel-vip@example.com', vip: true, timezone: 'UTC' } },
    track('order', 2, 'Order Completed', { order_id: 'LP-1', total: 900 }),
    track('shipped', 3, 'Order Shipped', { order_id: 'LP-1', estimated_delivery_at: at(51) }),
    track('delayed', 27, 'Shipment Updated', { order_id: 'LP-1', status: 'delayed' }),
    track('delivered', 60, 'Order Delivered', { order_id: 'LP-1' }),
  ] as unknown as SegmentMessage[]
}

export function birthdaysOf(customers: readonly string[], firstTimestamp: string | undefined, count: number): SegmentMessage[] {
  const first = Date.parse(firstTimestamp ?? '2026-01-01T00:00:00Z')
  return customers.slice(0, count).map((userId, i) => {
    const day = new Date(first + (i + 1) * DAY)
    const birthday = `1990-${String(day.getUTCMonth() + 1).padStart(2, '0')}-${String(day.getUTCDate()).padStart(2, '0')}`
    return { type: 'identify', messageId: `bday-${i}`, userId, timestamp: new Date(first + i * 1000).toISOString(), traits: { birthday, timezone: i === 0 ? 'Asia/Shanghai' : 'America/Los_Angeles' } } as unknown as SegmentMessage
  })
}
