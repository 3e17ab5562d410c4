// Segment fidelity at the HTTP door: an optional messageId derived from the content (a resend
// dedupes), every error of a message in one answer in plain words, typed e-commerce properties,
// and gzip / deflate bodies with a bound on what they inflate to.
import { randomUUID } from 'node:crypto'
import { deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { useEngine, WRITE_KEY_AUTH } from '../support/careloop.ts'

const running = useEngine({ clock: new ManualClock(Date.UTC(2026, 6, 1, 10)) })

async function send(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(running().url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: WRITE_KEY_AUTH, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}
const post = (path: string, body: unknown) => send(path, JSON.stringify(body))
const deadLetters = async () => (await running().app.ops.deadLetters.list()).filter((l) => l.source === 'http').length

describe('messageId is optional', () => {
  it('a message without one is stored under an id derived from its content; resending it is a duplicate', async () => {
    const message = { userId: 'fid-1', event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: '2026-07-01T09:00:00.000Z' }
    const first = await post('/v1/track', { ...message, sentAt: '2026-07-01T09:00:01Z' })
    expect(first).toMatchObject({ status: 200, body: { success: true, stored: 1, duplicates: 0 } })
    // A retry: new sentAt and library bookkeeping, keys in another order: the same message.
    const again = await post('/v1/batch', { batch: [{ type: 'track', _metadata: { retry: 1 }, timestamp: message.timestamp, properties: { product_id: 'p1' }, event: 'Product Viewed', userId: 'fid-1', sentAt: '2026-07-01T09:05:00Z' }] })
    expect(again).toMatchObject({ status: 200, body: { stored: 0, duplicates: 1 } })
    // Different content is a different message.
    const other = await post('/v1/track', { ...message, properties: { product_id: 'p2' } })
    expect(other.body).toMatchObject({ stored: 1, duplicates: 0 })
    await running().app.tick()
    const entries = (await running().api('GET', '/api/customers/fid-1/timeline')).body.entries.filter((e: { kind: string }) => e.kind === 'event')
    expect(entries).toHaveLength(2)
    expect(entries.every((e: { id: string }) => /^derived-[0-9a-f]{32}$/.test(e.id))).toBe(true)
  })
})

describe('every error of a message at once, in plain words', () => {
  it('without event and userId both are reported (a missing messageId is no error: it is derived)', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'track', properties: {} }] })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      { path: '/batch/0/event', message: 'is required' },
      { path: '/batch/0/userId', message: 'userId or anonymousId is required' },
    ])
  })

  it('a timestamp that is no date says so, not the pattern', async () => {
    for (const timestamp of ['yesterday', '2026-13-45T99:00:00Z', '2026-07-01 garbage']) {
      const res = await post('/v1/track', { messageId: randomUUID(), userId: 'fid-2', event: 'X', timestamp })
      expect(res.status).toBe(400)
      expect(res.body.errors).toEqual([{ path: '/timestamp', message: 'must be an ISO-8601 date-time (e.g. 2026-07-01T18:00:00Z)' }])
      expect(res.body.message).not.toContain('pattern')
    }
  })

  it('a timestamp before 1970 is refused at its path (history keeps times from 1970 on); 1970 itself is taken', async () => {
    for (const timestamp of ['0001-01-01', '1969-12-31T23:59:59.999Z', '1900-06-01T12:00:00+02:00']) {
      const res = await post('/v1/track', { messageId: randomUUID(), userId: 'fid-3', event: 'X', timestamp })
      expect(res.status).toBe(400)
      expect(res.body.errors).toEqual([{ path: '/timestamp', message: 'must be on or after 1970-01-01T00:00:00Z' }])
    }
    expect((await post('/v1/track', { messageId: randomUUID(), userId: 'fid-3', event: 'X', timestamp: '1970-01-01T00:00:00Z' })).status).toBe(200)
  })

  it('unusable dates, amounts and ids of known e-commerce events are refused at their paths, all together', async () => {
    const before = await deadLetters()
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', messageId: randomUUID(), userId: 'fid-3', event: 'Order Shipped', timestamp: '2026-07-01T09:00:00Z', properties: { order_id: 'O-1', estimated_delivery_at: 'next tuesday' } },
        { type: 'track', messageId: randomUUID(), userId: 'fid-3', event: 'Order Completed', timestamp: '2026-07-01T09:00:00Z', properties: { total: '1,200.00', currency: 'euro', promised_delivery_at: '2026-02-30T25:00:00Z' } },
        { type: 'track', messageId: randomUUID(), userId: 'fid-3', event: 'Checkout Started', timestamp: '2026-07-01T09:00:00Z', properties: { value: '€99' } },
        // Fine: a plain decimal text amount, epoch-ms date, numeric id; and any other event is free.
        { type: 'track', messageId: randomUUID(), userId: 'fid-3', event: 'Order Completed', timestamp: '2026-07-01T09:00:00Z', properties: { order_id: 7, total: '1200.00', promised_delivery_at: 1783000000000 } },
        { type: 'track', messageId: randomUUID(), userId: 'fid-3', event: 'Wishlist Shared', properties: { total: 'lots', when: 'next tuesday' } },
      ],
    })
    expect(res.status).toBe(400)
    expect(res.body.stored).toBe(2)
    const byPath = new Map<string, string>(res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]))
    expect([...byPath.keys()].sort()).toEqual([
      '/batch/0/properties/estimated_delivery_at',
      '/batch/1/properties/currency',
      '/batch/1/properties/order_id',
      '/batch/1/properties/promised_delivery_at',
      '/batch/1/properties/total',
      '/batch/2/properties/checkout_id',
      '/batch/2/properties/value',
    ])
    expect(byPath.get('/batch/0/properties/estimated_delivery_at')).toBe('must be an ISO-8601 date-time (e.g. 2026-07-01T18:00:00Z) or epoch milliseconds, got "next tuesday"')
    expect(byPath.get('/batch/1/properties/total')).toBe('must be a number such as 1200.00 (no thousands separators or currency signs), got "1,200.00"')
    expect(byPath.get('/batch/1/properties/order_id')).toBe('is required for "Order Completed"')
    expect(byPath.get('/batch/2/properties/checkout_id')).toBe('"Checkout Started" needs checkout_id or cart_id')
    // Nothing is lost: the refused messages wait in the dead letters with their reasons.
    expect((await deadLetters()) - before).toBe(3)
  })
})

describe('compressed bodies', () => {
  const batch = (userId: string) => JSON.stringify({ batch: [{ type: 'track', messageId: randomUUID(), userId, event: 'Product Viewed', properties: { product_id: 'p1' } }] })

  it('gzip and deflate bodies are accepted', async () => {
    expect(await send('/v1/batch', gzipSync(batch('gz-1')), { 'content-encoding': 'gzip' })).toMatchObject({ status: 200, body: { stored: 1 } })
    expect(await send('/v1/batch', deflateSync(batch('gz-2')), { 'content-encoding': 'deflate' })).toMatchObject({ status: 200, body: { stored: 1 } })
    const single = JSON.stringify({ messageId: randomUUID(), userId: 'gz-3', name: 'Home' })
    expect(await send('/v1/page', gzipSync(single), { 'content-encoding': 'gzip' })).toMatchObject({ status: 200, body: { stored: 1 } })
  })

  it('a body that is not gzip is 400; an unknown encoding 415; nothing is stored', async () => {
    const head = await running().app.ops.log.head(0)
    const broken = await send('/v1/batch', Buffer.from(batch('gz-4')), { 'content-encoding': 'gzip' })
    expect(broken.status).toBe(400)
    expect(broken.body.error).toBe('invalid_encoding')
    const truncated = gzipSync(batch('gz-5')).subarray(0, 30)
    expect((await send('/v1/batch', truncated, { 'content-encoding': 'gzip' })).status).toBe(400)
    expect((await send('/v1/batch', gzipSync(batch('gz-6')), { 'content-encoding': 'br' })).status).toBe(415)
    expect(await running().app.ops.log.head(0)).toBe(head)
  })

  it('a zip bomb is refused with 413 long before it is inflated whole', async () => {
    // 64 MiB of zeros compress to about 64 KiB; the limit is 4 MiB inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20))
    expect(bomb.length).toBeLessThan(200_000)
    const res = await send('/v1/batch', bomb, { 'content-encoding': 'gzip' })
    expect(res.status).toBe(413)
    expect((await send('/v1/batch', gzipSync(batch('gz-7')), { 'content-encoding': 'gzip' })).status).toBe(200)
  })
})
