// The text policy: NUL and lone UTF-16 surrogates become U+FFFD, in values and keys at any depth,
// the same for HTTP and stream input; such input never answers 5xx and reaches every store.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { jsonMayNeedRepair, parseJsonRepaired, repairString, repairValue } from '../../src/lib/text.ts'
import { decodeBytes, decodeMessage } from '../../src/stream/decode.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const seed = Number(process.env.CARELOOP_FUZZ_SEED ?? 2718)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 100)

/** Any UTF-16 code units, biased towards NUL and surrogates. */
const codeUnit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xfeff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
)
export const hostileString = fc.array(codeUnit, { maxLength: 24 }).map((units) => String.fromCharCode(...units))

// Independent of the implementation: a lone surrogate does not survive a UTF-8 round trip.
const isClean = (s: string) => !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s

describe('text policy (pure)', () => {
  it('replaces NUL and lone surrogates, keeps surrogate pairs, and counts', () => {
    expect(repairString('a\u0000b')).toEqual({ value: 'a\uFFFDb', repaired: 1 })
    expect(repairString('x\uD800y\uDC00z')).toEqual({ value: 'x\uFFFDy\uFFFDz', repaired: 2 })
    expect(repairString('emoji 😀 ok')).toEqual({ value: 'emoji 😀 ok', repaired: 0 })
    expect(repairString('\uDC00\uD800')).toEqual({ value: '\uFFFD\uFFFD', repaired: 2 })
    expect(repairString('\uD83D')).toEqual({ value: '\uFFFD', repaired: 1 })
  })

  it('any string comes out well-formed, NUL-free, the same length, and unchanged when it was clean', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const { value, repaired } = repairString(s)
        expect(isClean(value)).toBe(true)
        expect(value.length).toBe(s.length)
        expect(repaired === 0).toBe(isClean(s))
        if (isClean(s)) expect(value).toBe(s)
      }),
      { seed, numRuns },
    )
  })

  it('repairs keys and values at any depth without touching the input, and keeps "__proto__" an own key', () => {
    const input = JSON.parse('{"__proto__": {"k\\u0000": ["\\ud800", 1, {"ok": "fine"}]}, "same": {"a": 1}}')
    const { value, repaired } = repairValue(input)
    expect(repaired).toBe(2)
    expect(Object.keys(value)).toEqual(['__proto__', 'same'])
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(value.__proto__).toEqual({ 'k\uFFFD': ['\uFFFD', 1, { ok: 'fine' }] })
    expect(value.same).toBe(input.same)
    expect(Object.keys(input.__proto__)).toEqual(['k\u0000'])
    const clean = { a: ['b'] }
    expect(repairValue(clean).value).toBe(clean)
  })

  it('the fast scan of JSON text never misses what parsing would produce', () => {
    fc.assert(
      fc.property(fc.jsonValue(), hostileString, fc.boolean(), (json, s, asKey) => {
        const text = JSON.stringify(asKey ? { [s]: json } : [json, s])
        const parsed = parseJsonRepaired(text)
        if (!jsonMayNeedRepair(text)) expect(parsed.value).toEqual(JSON.parse(text))
        const walk = (v: unknown): void => {
          if (typeof v === 'string') expect(isClean(v)).toBe(true)
          else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) (walk(k), walk(item))
        }
        walk(parsed.value)
        // Node's JSON.stringify escapes lone surrogates; the same text with raw characters repairs the same.
        expect(parseJsonRepaired(text.replace(/\\u(d[89a-f][0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))).value).toEqual(parsed.value)
      }),
      { seed, numRuns },
    )
  })

  it('HTTP (a batch body through the door, then the decoder) and Kafka (message bytes) judge alike', () => {
    const message = fc.record({
      type: fc.constantFrom('track', 'identify'),
      messageId: hostileString,
      userId: hostileString,
      event: hostileString,
      properties: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
      traits: fc.dictionary(hostileString, fc.oneof(hostileString, fc.array(hostileString, { maxLength: 2 })), { maxKeys: 3 }),
      context: fc.record({ locale: hostileString, timezone: hostileString }),
    })
    fc.assert(
      fc.property(message, (m) => {
        const viaHttp = decodeMessage((parseJsonRepaired(JSON.stringify({ batch: [m] })).value as { batch: unknown[] }).batch[0], 0)
        const { repaired: _, ...viaKafka } = decodeBytes(Buffer.from(JSON.stringify(m), 'utf8'), 0)
        expect(viaKafka).toEqual(viaHttp)
      }),
      { seed, numRuns },
    )
  })

  it('the stream decoder applies the same policy and reports the count', () => {
    const raw = '{"type":"track","messageId":"m\\u0000","userId":"u\\ud800","event":"E\\udc00","properties":{"t\\u0000":"x\udc00"}}'
    const result = decodeBytes(Buffer.from(raw, 'utf8'), 0)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    // The raw lone surrogate became U+FFFD already when the text was encoded as UTF-8 bytes.
    expect(result.repaired).toBe(4)
    expect(result.event).toMatchObject({ messageId: 'm\uFFFD', customerId: 'u\uFFFD', name: 'E\uFFFD', properties: { 't\uFFFD': 'x\uFFFD' } })
    // A raw (unescaped) NUL is not JSON at all: a dead letter with the reason, like any bad JSON.
    const raw0 = decodeBytes('{"type":"track","messageId":"m","userId":"u","event":"a\u0000b"}', 0)
    expect(raw0.ok).toBe(false)
    if (!raw0.ok) expect(raw0.errors[0]).toMatchObject({ path: '/', message: expect.stringMatching(/^not JSON/) })
    // Bytes that are not UTF-8 decode to U+FFFD too.
    const bad = decodeBytes(Buffer.concat([Buffer.from('{"type":"track","messageId":"m","userId":"u","event":"'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]), 0)
    expect(bad.ok && bad.event.name).toBe('\uFFFD\uFFFD\uFFFD\uFFFD')
  })
})

const doorSuite = (title: string, setup: { servers: boolean }) => describe(title, () => {
  let engine: TestEngine
  let mail: MailSink | undefined
  let servers: ServerStores | undefined
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
  const post = (path: string, body: string) => fetch(`${engine.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body })

  beforeAll(async () => {
    if (setup.servers) {
      mail = await startMailSink()
      servers = await createServerStores('careloop_text')
      const { databaseUrl, clickhouseUrl, clickhouseDatabase } = servers
      engine = await startEngine({ clock, databaseUrl, clickhouseUrl, clickhouseDatabase, smtpUrl: mail.url })
    } else engine = await startEngine({ clock })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await mail?.close()
    await servers?.drop()
  })

  it('accepts NUL and lone surrogates anywhere in a message: stored, processed, in history, emailed', async () => {
    const now = new Date(clock.now()).toISOString()
    // Escapes in the JSON text, as a client would send them; one message has raw lone surrogates
    // (a raw NUL is not valid JSON text, so it only arrives escaped).
    const body =
      '{"batch":[' +
      `{"type":"identify","messageId":"id-\\u0000-1","userId":"shop\\u0000per\\ud800","traits":{"email":"nul@example.com","name":"Bo\\u0000b\\udc00","n\\u0000ote":"x"},"timestamp":"${now}"},` +
      `{"type":"track","messageId":"pf-\\ud800-1","userId":"shop\\u0000per\\ud800","event":"Payment Failed","properties":{"order_id":"o\\u0000","reason\\ud800":"card \\u0000 declined"},"context":{"locale":"en","page":{"t\\u0000":"\\udfff"}},"timestamp":"${now}"},` +
      `{"type":"track","messageId":"raw-1","userId":"shop\\u0000per\ud800","event":"Raw\udfff","properties":{"k":"v\udc00"},"timestamp":"${now}"}` +
      ']}'
    const res = await post('/v1/batch', body)
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, stored: 3 })
    await engine.app.tick()
    await engine.app.tick()
    expect(await engine.app.ops.deadLetters.count()).toBe(0)

    const customerId = 'shop\uFFFDper\uFFFD'
    const state = (await engine.app.ops.engine.loadStates([customerId])).get(customerId)
    expect(state?.traits).toMatchObject({ name: 'Bo\uFFFDb\uFFFD', 'n\uFFFDote': 'x' })
    expect(Object.keys(state!.counts).sort()).toEqual(['Identify', 'Payment Failed', 'Raw\uFFFD'])

    // The history store (chDB or ClickHouse) has the events; the route param is repaired the same way.
    const timeline = await engine.api('GET', `/api/customers/${encodeURIComponent('shop\u0000per')}%ED%A0%80/timeline`)
    expect(timeline.status).toBeLessThan(500)
    const viaRepaired = await engine.api('GET', `/api/customers/${encodeURIComponent(customerId)}/timeline`)
    expect(viaRepaired.status).toBe(200)
    const nul = await engine.api('GET', `/api/customers/${encodeURIComponent('shop\u0000per\uFFFD')}/timeline?limit=5`)
    expect(nul.status).toBe(200)
    expect(nul.body.customerId).toBe(customerId)
    expect(JSON.stringify(nul.body.entries)).toContain('Raw\uFFFD')

    // The starter pack's payment-failed email went out (SMTP, or the pickup directory).
    const outbox = await engine.app.ops.outbox.list({ customerId })
    expect(outbox.map((o) => o.template)).toEqual(['payment-failed'])
    expect(outbox[0]?.status).toBe('sent')
    if (mail) {
      const [sent] = await mail.waitFor(1)
      expect(sent?.to && JSON.stringify(sent.to)).toContain('nul@example.com')
      expect(sent?.text).toContain('Bo\uFFFDb\uFFFD')
    } else {
      const mailDir = join(engine.config.dataDir, 'mail')
      const files = readdirSync(mailDir).filter((f) => f.endsWith('.eml'))
      expect(files).toHaveLength(1)
      expect(readFileSync(join(mailDir, files[0]!), 'utf8')).toContain('nul@example.com')
    }

    const metrics = await fetch(`${engine.url}/metrics`, { headers: { authorization: 'Bearer admin-key' } }).then((r) => r.text())
    expect(metrics).toMatch(/careloop_text_repaired_total\{source="http"\} (\d+)/)
    expect(Number(/careloop_text_repaired_total\{source="http"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(14)
  })

  it('refuses input nesting deeper than 128 levels with a 400, not a stack overflow', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
    const message = (props: string) => `{"type":"track","messageId":"${randomUUID()}","userId":"deep","event":"Deep","properties":{"p":${props}}}`
    const tooDeep = await post('/v1/batch', `{"batch":[${message(deep(200_000))}]}`)
    expect(tooDeep.status).toBe(400)
    expect((await tooDeep.json()).message).toMatch(/JSON nested deeper than 128 levels/)
    const fine = await post('/v1/batch', `{"batch":[${message(deep(120))}]}`)
    expect(fine.status).toBe(200)
    const viaStream = decodeBytes(message(deep(5_000)), 0)
    expect(viaStream.ok).toBe(false)
    if (!viaStream.ok) expect(viaStream.errors).toEqual([{ path: '/', message: 'must not nest deeper than 128 levels' }])
    // Brackets inside strings are text, not nesting.
    expect(decodeBytes(message(JSON.stringify('['.repeat(5_000))), 0).ok).toBe(true)
  })

  it('repairs YAML rule text and NDJSON traces too (other content types)', async () => {
    const yaml = 'id: "nul-rule"\nname: "Na\\0me \\uD800"\ntriggers: [{ event: "Ev\\0" }]\nactions: [{ task: { queue: care, priority: normal, sla: 1h } }]\n'
    const created = await engine.api('POST', '/api/rules', yaml, 'ops-key')
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const rule = await engine.api('GET', '/api/rules/nul-rule')
    expect(rule.status).toBe(200)
    expect(JSON.stringify(rule.body)).toContain('Na\uFFFDme \uFFFD')
    const trace = `{"type":"track","messageId":"r1","userId":"u\\u0000","event":"Ev\\u0000","timestamp":"2026-06-01T08:00:00Z"}\n`
    // A replay runs the trace in a fresh in-memory engine (slow to open: ~10 s here).
    const replay = await engine.api('POST', '/api/replay', trace, 'ops-key', { 'content-type': 'application/x-ndjson' })
    expect(replay.status, JSON.stringify(replay.body)).toBe(200)
    expect(replay.body.decisions.map((d: { customer: string }) => d.customer)).toEqual(['u\uFFFD'])
  })

  it('never answers 5xx for hostile strings in any field, and keeps the valid messages of a batch', async () => {
    const field = fc.constantFrom('userId', 'anonymousId', 'event', 'messageId', 'propKey', 'propValue', 'traitKey', 'traitValue', 'context', 'timestamp')
    const message = fc.record({ field, text: hostileString, type: fc.constantFrom('track', 'identify') }).map(({ field, text, type }) => {
      const m: Record<string, unknown> = { type, messageId: randomUUID(), userId: 'fuzz-shopper', timestamp: new Date(clock.now()).toISOString() }
      if (type === 'track') m.event = 'Fuzz Event'
      const bag = type === 'track' ? 'properties' : 'traits'
      if (field === 'userId' || field === 'anonymousId' || field === 'messageId' || field === 'timestamp') m[field] = text
      else if (field === 'event') m.event = text
      else if (field === 'propKey' || field === 'traitKey') m[bag] = { [text]: 1 }
      else if (field === 'context') m.context = { [text]: text, locale: text }
      else m[bag] = { note: text }
      return m
    })
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (batch) => {
        const valid = { type: 'track', messageId: randomUUID(), userId: 'fuzz-good', event: 'Fuzz Good', timestamp: new Date(clock.now()).toISOString() }
        const res = await post('/v1/batch', JSON.stringify({ batch: [valid, ...batch] }))
        const body = await res.json()
        expect(res.status, JSON.stringify(body)).toBeLessThan(500)
        expect([200, 400]).toContain(res.status)
        expect(body.stored).toBeGreaterThanOrEqual(1)
        if (res.status === 400) for (const e of body.errors) expect(e.path).toMatch(/^\/batch\/\d+/)
      }),
      { seed, numRuns: Math.max(10, Math.floor(numRuns / 3)) },
    )
    await engine.app.tick()
    const state = (await engine.app.ops.engine.loadStates(['fuzz-good'])).get('fuzz-good')
    expect(state?.counts['Fuzz Good']?.length).toBeGreaterThan(0)
  }, 60_000 + numRuns * 1_000)
})

doorSuite('text policy at the HTTP door (real engine, PGlite and chDB, pickup directory)', { servers: false })
if (requireServers('text policy at the HTTP door (PostgreSQL and ClickHouse servers, SMTP)')) {
  doorSuite('text policy at the HTTP door (PostgreSQL and ClickHouse servers, SMTP)', { servers: true })
}
