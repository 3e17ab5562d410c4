// The engine's state cache (src/stream/engine/StateCache.ts): the most recently used states stay
// objects, older ones are held serialized within a byte bound, and the least recently used go first.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { getOwn, setOwn, type CustomerState } from '../../src/model/customer.ts'
import { serializedBytes, StateCache, type StateCacheBounds } from '../../src/stream/engine/StateCache.ts'

// Text as input may carry it: NUL, lone surrogates, characters beyond Latin-1, any UTF-16 unit.
const unit = fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', 'é', '花', '"', '\\', '\n'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)))
const text = fc.string({ unit, maxLength: 12 })
const key = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', ''))
// JSON's numbers: -0 is written as 0, as the store writes it.
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n + 0))
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, num, fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
})).value

function dictOf<T>(value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, T>> {
  return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((entries) => {
    const out = Object.create(null) as Record<string, T>
    for (const [k, v] of entries) setOwn(out, k, v)
    return out
  })
}

const order = fc.record(
  { order_id: text, status: fc.constantFrom('placed', 'payment_failed', 'shipped', 'delayed', 'delivered', 'cancelled', 'refunded' as const), total: num, currency: text, updated_at: fc.integer(), products: fc.array(json, { maxLength: 2 }) },
  { requiredKeys: ['order_id', 'status', 'updated_at'] },
)
const state: fc.Arbitrary<CustomerState> = fc.record(
  {
    customerId: key,
    traits: dictOf(json),
    group: fc.record({ id: text, traits: dictOf(json) }),
    timezone: text,
    locale: text,
    orders: dictOf(order),
    checkouts: dictOf(fc.record({ checkout_id: text, started_at: fc.integer(), value: num })),
    counts: dictOf(fc.array(fc.integer(), { maxLength: 4 })),
    recent: fc.array(fc.record({ messageId: text, name: key, ts: fc.integer(), properties: dictOf(json) }), { maxLength: 3 }),
    firings: dictOf(fc.integer()),
    timers: dictOf(fc.record({ ruleId: text, triggerIndex: fc.nat(), entity: text, dueAt: fc.integer() })),
    seen: fc.array(text, { maxLength: 4 }),
    partition: fc.nat(),
    version: fc.nat(),
    updatedAt: fc.integer(),
    mergedInto: text,
    mergedFrom: fc.array(text, { maxLength: 2 }),
  },
  { requiredKeys: ['customerId', 'traits', 'orders', 'checkouts', 'counts', 'recent', 'firings', 'timers', 'seen', 'version', 'updatedAt'] },
) as fc.Arbitrary<CustomerState>

/** What the cache must give back: the state's content (JSON's view: prototypes aside). */
const content = (s: CustomerState): unknown => JSON.parse(JSON.stringify(s))

describe('a state held serialized', () => {
  it('comes back equal to what was stored, with input-keyed maps that have no prototype', () => {
    fc.assert(
      fc.property(state, key, (stored, id) => {
        const cache = new StateCache({ hot: 0 })
        cache.set(id, stored)
        const expected = content(stored)
        cache.trim()
        expect(cache.hotStates).toBe(0)
        expect(cache.serializedBytes).toBe(serializedBytes(id, JSON.stringify(stored)))
        const back = cache.get(id) as CustomerState
        expect(back).not.toBe(stored)
        expect(content(back)).toEqual(expected)
        for (const map of [back.traits, back.orders, back.checkouts, back.counts, back.firings, back.timers]) expect(Object.getPrototypeOf(map)).toBeNull()
        for (const k of Object.keys(stored.traits)) expect(getOwn(back.traits, k)).toEqual(getOwn((expected as CustomerState).traits, k))
        // Once parsed it is the cache's live copy again: the same object until the next trim.
        expect(cache.get(id)).toBe(back)
        expect(cache.serializedBytes).toBe(0)
      }),
    )
  })

  it('is not changed by later changes to an object handed out before it was serialized', () => {
    fc.assert(
      fc.property(state, state, (stored, other) => {
        const cache = new StateCache({ hot: 0 })
        cache.set('c', stored)
        const handedOut = cache.get('c') as CustomerState
        const expected = content(handedOut)
        cache.trim()
        Object.assign(handedOut, other)
        handedOut.version += 1
        setOwn(handedOut.traits, '__proto__', 'changed')
        handedOut.recent.push({ messageId: 'late', name: 'x', ts: 1, properties: {} })
        expect(content(cache.get('c') as CustomerState)).toEqual(expected)
      }),
    )
  })

  it('keeps the changes a step makes to a held state before the trim', () => {
    fc.assert(
      fc.property(state, (stored) => {
        const cache = new StateCache({ hot: 0 })
        cache.set('c', stored)
        cache.trim()
        const live = cache.get('c') as CustomerState
        live.version += 1
        setOwn(live.firings, '__proto__', 7)
        const expected = content(live)
        cache.trim()
        const back = cache.get('c') as CustomerState
        expect(content(back)).toEqual(expected)
        expect(getOwn(back.firings, '__proto__')).toBe(7)
      }),
    )
  })

  it('touch keeps it as text until a step asks for it, and the text then parses as before', () => {
    const cache = new StateCache({ hot: 0 })
    const stored: CustomerState = { ...emptyLike('a'), version: 3 }
    cache.set('a', stored)
    cache.trim()
    expect(cache.touch('a')).toBe(true)
    expect(cache.touch('missing')).toBe(false)
    // Touched but never asked for: serialized again without being parsed, still the same content.
    cache.trim()
    expect(cache.serializedBytes).toBe(serializedBytes('a', JSON.stringify(stored)))
    expect(content(cache.get('a') as CustomerState)).toEqual(content(stored))
  })
})

function emptyLike(customerId: string): CustomerState {
  const dict = () => Object.create(null) as Record<string, never>
  return { customerId, traits: dict(), orders: dict(), checkouts: dict(), counts: dict(), recent: [], firings: dict(), timers: dict(), seen: [], version: 0, updatedAt: 0 }
}

// A reference for the bounds and the order of eviction: a list in order of use, trimmed the
// obvious way (the `hot` most recent stay objects, then the least recently used go first).
class ReferenceCache {
  order: string[] = []
  value = new Map<string, CustomerState>()
  /** Serialized at the last trim and not used since. */
  serialized = new Set<string>()
  constructor(private readonly bounds: StateCacheBounds) {}
  use(id: string, state?: CustomerState): void {
    this.serialized.delete(id)
    this.order = this.order.filter((o) => o !== id)
    this.order.push(id)
    if (state !== undefined) this.value.set(id, state)
  }
  has(id: string): boolean {
    return this.order.includes(id)
  }
  trim(): void {
    const { hot, maxBytes, maxStates } = this.bounds
    const bytes = (id: string) => serializedBytes(id, JSON.stringify(this.value.get(id)))
    const serialized = () => (hot === undefined ? [] : this.order.slice(0, Math.max(0, this.order.length - hot)))
    const over = () => (maxBytes !== undefined && serialized().reduce((a, id) => a + bytes(id), 0) > maxBytes) || (maxStates !== undefined && this.order.length > maxStates)
    while (this.order.length > 0 && over()) {
      const dropped = this.order.shift() as string
      this.value.delete(dropped)
    }
    this.serialized = new Set(serialized())
  }
}

describe('bounds and eviction', () => {
  const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '__proto__', '\u0000', '\ud800')
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), id: ids, state }),
    fc.record({ kind: fc.constant('get' as const), id: ids }),
    fc.record({ kind: fc.constant('touch' as const), id: ids }),
    fc.record({ kind: fc.constant('delete' as const), id: ids }),
    fc.record({ kind: fc.constant('trim' as const) }),
  )
  const bounds = fc.record(
    { hot: fc.integer({ min: 0, max: 4 }), maxBytes: fc.integer({ min: 0, max: 3_000 }), maxStates: fc.integer({ min: 0, max: 6 }) },
    { requiredKeys: [] },
  )

  it('holds what a list in order of use holds: the most recently used, within the count and the bytes', () => {
    fc.assert(
      fc.property(bounds, fc.array(op, { maxLength: 40 }), (b, ops) => {
        const cache = new StateCache(b)
        const ref = new ReferenceCache(b)
        for (const o of ops) {
          if (o.kind === 'set') {
            cache.set(o.id, o.state)
            ref.use(o.id, o.state)
          } else if (o.kind === 'get') {
            const got = cache.get(o.id)
            expect(got === undefined).toBe(!ref.has(o.id))
            if (got !== undefined) expect(content(got)).toEqual(content(ref.value.get(o.id) as CustomerState))
            // A live state keeps its place (loadStates touches first); a serialized one becomes live, the most recent.
            if (ref.serialized.has(o.id)) ref.use(o.id)
          } else if (o.kind === 'touch') {
            expect(cache.touch(o.id)).toBe(ref.has(o.id))
            if (ref.has(o.id)) ref.use(o.id)
          } else if (o.kind === 'delete') {
            cache.delete(o.id)
            ref.order = ref.order.filter((id) => id !== o.id)
            ref.value.delete(o.id)
            ref.serialized.delete(o.id)
          } else {
            cache.trim()
            ref.trim()
            if (b.maxStates !== undefined) expect(cache.size).toBeLessThanOrEqual(b.maxStates)
            if (b.maxBytes !== undefined && b.hot !== undefined) expect(cache.serializedBytes).toBeLessThanOrEqual(b.maxBytes)
            if (b.hot !== undefined) expect(cache.hotStates).toBeLessThanOrEqual(b.hot)
          }
          expect(cache.size).toBe(ref.order.length)
        }
        for (const id of ref.order) expect(content(cache.get(id) as CustomerState)).toEqual(content(ref.value.get(id) as CustomerState))
      }),
    )
  })

  it('drops the least recently used first', () => {
    const cache = new StateCache({ hot: 1, maxStates: 3 })
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, emptyLike(id))
    cache.touch('a')
    cache.trim()
    // b, c, d, a in order of use: b goes; a stays an object, c and d are serialized.
    expect(cache.size).toBe(3)
    expect(cache.touch('b')).toBe(false)
    expect(cache.hotStates).toBe(1)
    for (const id of ['a', 'c', 'd']) expect(cache.get(id)?.customerId).toBe(id)
  })

  it('without a hot bound keeps every state an object, bounded by count only', () => {
    const cache = new StateCache({ maxStates: 2, maxBytes: 0 })
    const states = ['a', 'b', 'c'].map(emptyLike)
    for (const s of states) cache.set(s.customerId, s)
    cache.trim()
    expect(cache.size).toBe(2)
    expect(cache.serializedBytes).toBe(0)
    expect(cache.get('b')).toBe(states[1])
    expect(cache.get('c')).toBe(states[2])
  })
})

describe('serializedBytes', () => {
  it('counts two bytes a character beyond Latin-1, one otherwise', () => {
    expect(serializedBytes('id', '{"a":"é"}') - serializedBytes('id', '{"a":"e"}')).toBe(0)
    expect(serializedBytes('id', '{"a":"花"}') - serializedBytes('id', '{"a":"e"}')).toBe('{"a":"e"}'.length)
  })
})
