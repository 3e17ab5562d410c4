// The one dependencies object buildServer hands every route plugin. Each plugin names the part it
// reads (ApiDeps<...>), so a test can mount one plugin with just that part.
import type { Logger } from 'pino'
import type { LinkSettings } from '../channels/links.ts'
import type { TemplateOverrides } from '../channels/templates/overrides.ts'
import type { TemplateRenderer } from '../channels/templates/renderer.ts'
import type { ContentChannel } from '../channels/templates/specs.ts'
import type { ContentRenderer } from '../channels/types.ts'
import type { TalkSettings } from '../care/talkToPerson.ts'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { CustomerState } from '../model/customer.ts'
import type { MessageVars, ShopInfo } from '../model/outbox.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { TemplateStore } from '../store/operational/TemplateStore.ts'
import type { IngestSink } from '../stream/ingest/IngestSink.ts'

/** The message templates as the API edits and previews them. */
export interface TemplateTools {
  email: TemplateRenderer
  channels: Partial<Record<ContentChannel, ContentRenderer>>
  /** Stored template versions; without it templates are the files only (no save, versions, rollback). */
  store?: TemplateStore | undefined
  /** The live overrides real sends use; refreshed after every change. */
  overrides?: TemplateOverrides | undefined
  /** Adds the links a real send would add (unsubscribe, preferences, talk to a person …). */
  decorate?: ((vars: MessageVars, customerId: string, channel: string) => MessageVars) | undefined
}

export interface ApiContext {
  ops: OperationalStore
  history: HistoryStore
  /** Where shop events made by the API (survey answers, call outcomes) go in. */
  sink: IngestSink
  clock: Clock
  logger: Logger
  metrics: Metrics
  shop: ShopInfo
  /** Signs and reads the links in messages (unsubscribe, talk to a person, surveys, callbacks). */
  links: LinkSettings
  talk: TalkSettings
  /** Signs the shoppers' inbox and preference tokens. */
  shopperTokenSecret: string
  /** When set, Twilio's request signature on provider callbacks is checked. */
  twilioAuthToken: string | undefined
  /** Called after any rule change so the engine picks it up at once. */
  onRulesChanged: () => Promise<void>
  /** Compile problems of stored rules, by id. */
  brokenRules: () => ReadonlyMap<string, string>
  /** Called after a shopper changed their consent. */
  onConsentChanged?: (() => void) | undefined
  loadCustomer: (customerId: string) => Promise<CustomerState | undefined>
  templates: TemplateTools
  privacy: PrivacySettings
}

/** What erasure needs beyond the stores (docs/privacy.md). */
export interface PrivacySettings {
  /** The email pickup folder whose .eml files erasure cleans. */
  mailPickupDir?: string | undefined
  /** Drops the engine's cached customer states after an erasure. */
  onErased?: (() => void | Promise<void>) | undefined
}

/** The part of the context a route plugin reads. */
export type ApiDeps<K extends keyof ApiContext> = Pick<ApiContext, K>
