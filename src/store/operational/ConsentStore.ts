// Shopper consent per (channel, topic), with '*' wildcards on either side, and where each choice
// came from (kept on every row: the export and the preferences API show them). The send-time
// guard reads the rows (src/model/consent.ts decides); the preference centre reads and writes
// the per-channel summary.
import { CHANNELS, TOPICS, type Channel, type Topic } from '../../model/channel.ts'
import { consentAnswer, LAWFUL_CONSENT_DEFAULTS, type ConsentChoice, type ConsentDefaults } from '../../model/consent.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export type ConsentStatus = 'opted_in' | 'opted_out'
/** one-click = RFC 8058 unsubscribe link; preferences = the preference centre; provider = e.g. an SMS STOP reply. */
export type ConsentSource = 'one-click' | 'preferences' | 'api' | 'provider'


export interface ConsentRecord {
  customerId: string
  channel: string
  topic: string
  status: ConsentStatus
  source: string
  updatedAt: number
}

export type TopicChoice = Record<Topic, boolean>

/**
 * What a shopper may be sent. `true` = these messages may go out: a recorded opt-in, or no record
 * and the topic's default allows the channel (see src/model/consent.ts; by default care yes,
 * marketing only after an opt-in). `channels` ignore the stop-everything row, so lifting a stop
 * restores them; `all: false` means "stop everything" (the ('*', '*') opt-out) and overrides them.
 * A message goes out when `all && channels[channel][topic]`.
 */
export interface Preferences {
  channels: Record<Channel, TopicChoice>
  all: boolean
  /** The recorded choices behind the summary, each with its source and time (opt-ins are evidence). */
  choices: ConsentChoice[]
}

/** A partial update: only the fields given change. */
export interface PreferencesChange {
  channels?: Partial<Record<Channel, Partial<TopicChoice>>>
  all?: boolean
}

interface ConsentRow {
  customer_id: string
  channel: string
  topic: string
  status: ConsentStatus
  source: string
  updated_at: string | number
}

const toRecord = (r: ConsentRow): ConsentRecord => ({
  customerId: r.customer_id,
  channel: r.channel,
  topic: r.topic,
  status: r.status,
  source: r.source,
  updatedAt: Number(r.updated_at),
})

const covers = (row: ConsentRecord, channel: string, topic: string): boolean =>
  (row.channel === channel || row.channel === '*') && (row.topic === topic || row.topic === '*')
const isGlobal = (row: ConsentRecord): boolean => row.channel === '*' && row.topic === '*'

const allowedBy = (rows: readonly ConsentRecord[], channel: Channel, topic: Topic, defaults: ConsentDefaults): boolean =>
  consentAnswer(rows.filter((r) => !isGlobal(r)), channel, topic, defaults).allowed

/** The summary of a customer's rows under the defaults (see Preferences). */
export function summarize(rows: readonly ConsentRecord[], defaults: ConsentDefaults = LAWFUL_CONSENT_DEFAULTS): Preferences {
  const channels = {} as Record<Channel, TopicChoice>
  for (const channel of CHANNELS) channels[channel] = { care: allowedBy(rows, channel, 'care', defaults), marketing: allowedBy(rows, channel, 'marketing', defaults) }
  const choices = rows.map(({ channel, topic, status, source, updatedAt }) => ({ channel, topic, status, source, updatedAt }))
  return { channels, all: !rows.some((r) => isGlobal(r) && r.status === 'opted_out'), choices }
}

export class ConsentStore {
  constructor(private readonly db: SqlExecutor) {}

  async set(customerId: string, channel: string, topic: string, status: ConsentStatus, now: number, source: ConsentSource = 'api', tx: SqlExecutor = this.db): Promise<void> {
    await tx.query(
      `INSERT INTO consent (customer_id, channel, topic, status, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (customer_id, channel, topic) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at`,
      [customerId, channel, topic, status, source, now],
    )
  }

  /** Opted out of this channel for this topic, or of the channel ('*' topic), or of everything. */
  async isOptedOut(customerId: string, channel: string, topic: string): Promise<boolean> {
    const result = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM consent WHERE customer_id = $1 AND status = 'opted_out'
         AND channel IN ($2, '*') AND topic IN ($3, '*')`,
      [customerId, channel, topic],
    )
    return Number(result.rows[0]?.n ?? 0) > 0
  }

  async list(customerId: string, tx: SqlExecutor = this.db): Promise<ConsentRecord[]> {
    const result = await tx.query<ConsentRow>(
      'SELECT customer_id, channel, topic, status, source, updated_at FROM consent WHERE customer_id = $1 ORDER BY channel, topic',
      [customerId],
    )
    return result.rows.map(toRecord)
  }

  async preferences(customerId: string, defaults: ConsentDefaults = LAWFUL_CONSENT_DEFAULTS): Promise<Preferences> {
    return summarize(await this.list(customerId), defaults)
  }

  /**
   * Applies a partial change and returns the new summary. Writes only the rows whose effect
   * changes; a partial wildcard opt-out (('email', '*') or ('*', 'marketing')) that the change
   * contradicts becomes an opt-in, and the choices it then covers against the shopper's wish are
   * spelled out as specific rows, so the shopper's other choices survive.
   */
  async update(customerId: string, change: PreferencesChange, source: ConsentSource, now: number, defaults: ConsentDefaults = LAWFUL_CONSENT_DEFAULTS): Promise<Preferences> {
    return this.db.transaction(async (tx) => {
      const rows = await this.list(customerId, tx)
      const before = summarize(rows, defaults)
      const wanted = summarize(rows, defaults).channels
      for (const [channel, topics] of Object.entries(change.channels ?? {}) as Array<[Channel, Partial<TopicChoice> | undefined]>) {
        for (const topic of TOPICS) if (topics?.[topic] !== undefined) wanted[channel][topic] = topics[topic]
      }
      const partialOuts = rows.filter((r) => r.status === 'opted_out' && !isGlobal(r) && (r.channel === '*' || r.topic === '*'))
      const lifted = partialOuts.filter((w) => CHANNELS.some((c) => TOPICS.some((t) => covers(w, c, t) && wanted[c][t])))
      const opened = (r: ConsentRecord): ConsentRecord => ({ ...r, status: 'opted_in', source, updatedAt: now })
      const after = rows.map((r) => (lifted.includes(r) ? opened(r) : r))
      for (const channel of CHANNELS) {
        for (const topic of TOPICS) {
          if (allowedBy(after, channel, topic, defaults) === wanted[channel][topic]) continue
          const status: ConsentStatus = wanted[channel][topic] ? 'opted_in' : 'opted_out'
          const specific = { customerId, channel, topic, status, source, updatedAt: now }
          const at = after.findIndex((r) => r.channel === channel && r.topic === topic)
          if (at >= 0) after[at] = specific
          else after.push(specific)
          await this.set(customerId, channel, topic, status, now, source, tx)
        }
      }
      for (const w of lifted) await this.set(customerId, w.channel, w.topic, 'opted_in', now, source, tx)
      if (change.all !== undefined && change.all !== before.all) await this.set(customerId, '*', '*', change.all ? 'opted_in' : 'opted_out', now, source, tx)
      return summarize(await this.list(customerId, tx), defaults)
    })
  }
}
