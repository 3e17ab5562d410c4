// The consent guard against the documented table (docs/consent.md), for every topic × channel ×
// recorded choices: an opt-out covering the message → skip ("opted out"); else a recorded opt-in
// (specific or a channel / topic wildcard; not the "lift stop-everything" row) → send; else the
// topic's default for the channel: care → send, marketing → skip ("no recorded opt-in"). The
// preference summary the shopper sees says the same.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_GUARD_POLICY, evaluateGuards, type GuardPolicy } from '../../src/channels/guards/index.ts'
import { CHANNELS, TOPICS, type Channel, type Topic } from '../../src/model/channel.ts'
import { consentAnswer, LAWFUL_CONSENT_DEFAULTS, type ConsentDefaults } from '../../src/model/consent.ts'
import { summarize, type ConsentRecord } from '../../src/store/operational/ConsentStore.ts'

const policy: GuardPolicy = { ...DEFAULT_GUARD_POLICY, quietHours: null }
const NOW = Date.UTC(2026, 5, 1, 12)

const record = fc.record({
  channel: fc.constantFrom<string>('*', ...CHANNELS),
  topic: fc.constantFrom<string>('*', ...TOPICS),
  status: fc.constantFrom('opted_in' as const, 'opted_out' as const),
  source: fc.constantFrom('one-click', 'preferences', 'api', 'provider'),
  updatedAt: fc.integer({ min: 0, max: NOW }),
})
// One row per (channel, topic), as the table's primary key holds.
const records = fc.uniqueArray(record, { selector: (r) => `${r.channel}/${r.topic}`, maxLength: 8 }).map((rows) => rows.map((r): ConsentRecord => ({ customerId: 'c', ...r })))

/** The documented table, written out independently of the implementation. */
function table(rows: readonly ConsentRecord[], channel: Channel, topic: Topic, defaults: ConsentDefaults): 'send' | 'opted out' | 'no recorded opt-in' {
  const covering = rows.filter((r) => [channel, '*'].includes(r.channel) && [topic, '*'].includes(r.topic))
  if (covering.some((r) => r.status === 'opted_out')) return 'opted out'
  if (covering.some((r) => r.status === 'opted_in' && !(r.channel === '*' && r.topic === '*'))) return 'send'
  return defaults[topic][channel] === true ? 'send' : 'no recorded opt-in'
}

function verdictOf(rows: readonly ConsentRecord[], channel: Channel, topic: Topic, defaults: ConsentDefaults) {
  const message = { id: 'm', idempotencyKey: 'k:a0', channel, topic, ruleId: 'r', priority: 0, urgent: false, createdAt: NOW }
  return evaluateGuards({ message, timezone: 'UTC', now: NOW, consent: consentAnswer(rows, channel, topic, defaults), competitors: [], contacts: [] }, { ...policy, consentDefaults: defaults })
}

const channel = fc.constantFrom(...CHANNELS)
const topic = fc.constantFrom(...TOPICS)
const perChannel = fc.dictionary(channel, fc.boolean()) as fc.Arbitrary<Partial<Record<Channel, boolean>>>
const defaults = fc.record({ care: perChannel, marketing: perChannel })

describe('consent guard and defaults', () => {
  it('the lawful default: care yes on every channel, marketing only after a recorded opt-in', () => {
    for (const c of CHANNELS) {
      expect(verdictOf([], c, 'care', LAWFUL_CONSENT_DEFAULTS)).toEqual({ verdict: 'send' })
      expect(verdictOf([], c, 'marketing', LAWFUL_CONSENT_DEFAULTS)).toMatchObject({ verdict: 'skip', guard: 'consent', reason: `no recorded opt-in to ${c} (marketing)` })
    }
    expect(DEFAULT_GUARD_POLICY.consentDefaults).toEqual(LAWFUL_CONSENT_DEFAULTS)
  })

  it('the guard answers as the documented table, under the lawful and any configured defaults', () => {
    fc.assert(
      fc.property(records, channel, topic, fc.oneof(fc.constant(LAWFUL_CONSENT_DEFAULTS), defaults), (rows, c, t, d) => {
        const expected = table(rows, c, t, d)
        const verdict = verdictOf(rows, c, t, d)
        if (expected === 'send') expect(verdict).toEqual({ verdict: 'send' })
        else expect(verdict).toMatchObject({ verdict: 'skip', guard: 'consent', reason: `${expected} ${expected === 'opted out' ? 'of' : 'to'} ${c} (${t})` })
      }),
      { numRuns: 2000 },
    )
  })

  it('the preference summary agrees with the guard, and keeps each choice with its source and time', () => {
    fc.assert(
      fc.property(records, fc.oneof(fc.constant(LAWFUL_CONSENT_DEFAULTS), defaults), (rows, d) => {
        const prefs = summarize(rows, d)
        for (const c of CHANNELS) for (const t of TOPICS) expect(prefs.all && prefs.channels[c][t]).toBe(verdictOf(rows, c, t, d).verdict === 'send')
        expect(prefs.choices).toEqual(rows.map(({ customerId: _, ...choice }) => choice))
      }),
      { numRuns: 500 },
    )
  })
})
