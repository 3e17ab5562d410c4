// The operational store: one PostgreSQL database (PGlite embedded, or a PostgreSQL server), seen
// through one small store class per concern. All of its SQL lives in this folder.
import { ApiKeyStore } from './ApiKeyStore.ts'
import { ConsentStore } from './ConsentStore.ts'
import { ContactStore } from './ContactStore.ts'
import { DeadLetterStore } from './DeadLetterStore.ts'
import { DeadMessageStore } from './DeadMessageStore.ts'
import { EngineStore } from './EngineStore.ts'
import { ErasureStore } from './ErasureStore.ts'
import { EventLogStore } from './EventLogStore.ts'
import type { EventLog } from '../eventlog/EventLog.ts'
import { openFileEventLog } from '../eventlog/openFileEventLog.ts'
import { IdentityStore } from './IdentityStore.ts'
import { InboxStore } from './InboxStore.ts'
import { migrate } from './migrate.ts'
import { OutboxStore } from './OutboxStore.ts'
import { MIGRATION_LOCK_KEY, PgDatabase } from './PgDatabase.ts'
import { PgliteDatabase, type PgliteMemoryOptions } from './PgliteDatabase.ts'
import { QueueStore } from './QueueStore.ts'
import { RuleStore } from './RuleStore.ts'
import { SettingsStore } from './SettingsStore.ts'
import { SuppressionStore } from './SuppressionStore.ts'
import type { SqlDatabase } from './SqlExecutor.ts'
import { FeedbackStore } from './FeedbackStore.ts'
import { HistorySpoolStore } from './HistorySpoolStore.ts'
import { SurveyStore } from './SurveyStore.ts'
import { TaskNoteStore } from './TaskNoteStore.ts'
import { TaskStore } from './TaskStore.ts'
import { TemplateStore } from './TemplateStore.ts'
import { WebhookStore } from './WebhookStore.ts'

export class OperationalStore {
  /** The embedded event log: segment files in the data directory, or the SQL table without one. */
  readonly log: EventLog
  readonly deadLetters: DeadLetterStore
  /** Outbox rows that went dead, and their way back after a fix. */
  readonly deadMessages: DeadMessageStore
  readonly outbox: OutboxStore
  readonly tasks: TaskStore
  readonly engine: EngineStore
  /** Anonymous ids and the known shoppers they became. */
  readonly identity: IdentityStore
  readonly rules: RuleStore
  readonly settings: SettingsStore
  readonly consent: ConsentStore
  readonly contacts: ContactStore
  readonly queues: QueueStore
  readonly inbox: InboxStore
  readonly notes: TaskNoteStore
  readonly surveys: SurveyStore
  readonly feedback: FeedbackStore
  /** Stored template versions (edits overriding the shipped files), with four eyes and rollback. */
  readonly templates: TemplateStore
  /** Erasure on request, and the ids it suppressed (docs/privacy.md). */
  readonly erasures: ErasureStore
  readonly suppressions: SuppressionStore
  /** Managed API keys (hashed), audited. */
  readonly apiKeys: ApiKeyStore
  /** Task webhook endpoints and helpdesk bridges, their deliveries (docs/webhooks.md). */
  readonly webhooks: WebhookStore
  /** History appends waiting for the embedded history store (src/store/spool). */
  readonly historySpool: HistorySpoolStore

  constructor(readonly db: SqlDatabase, log?: EventLog) {
    this.log = log ?? new EventLogStore(db)
    this.deadLetters = new DeadLetterStore(db)
    this.deadMessages = new DeadMessageStore(db)
    this.outbox = new OutboxStore(db)
    this.tasks = new TaskStore(db)
    this.identity = new IdentityStore(db)
    this.engine = new EngineStore(db, this.outbox, this.tasks, this.deadLetters, this.identity, this.log)
    this.rules = new RuleStore(db)
    this.settings = new SettingsStore(db)
    this.consent = new ConsentStore(db)
    this.contacts = new ContactStore(db)
    this.queues = new QueueStore(db)
    this.inbox = new InboxStore(db)
    this.notes = new TaskNoteStore(db)
    this.surveys = new SurveyStore(db)
    this.feedback = new FeedbackStore(db)
    this.templates = new TemplateStore(db, this.rules.audit)
    this.erasures = new ErasureStore(db)
    this.suppressions = new SuppressionStore(db, this.rules.audit)
    this.apiKeys = new ApiKeyStore(db, this.rules.audit)
    this.webhooks = new WebhookStore(db, this.rules.audit)
    this.historySpool = new HistorySpoolStore(db)
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1')
      return true
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    try {
      await this.log.close()
    } finally {
      await this.db.close()
    }
  }
}

export interface OperationalStoreOptions {
  /** Embedded: PGlite data directory (undefined = in memory). */
  dataDir?: string
  /** Scale-out: a PostgreSQL server, e.g. postgres://user:pass@host:5432/careloop (excludes dataDir). */
  databaseUrl?: string
  /** Connections in the pool (PostgreSQL server only; default 10). */
  poolSize?: number
  /** PGlite only: its memory settings. */
  pglite?: PgliteMemoryOptions
  /** The event log as files in this directory, its position kept under `source` (else the SQL table). */
  eventLog?: { dir: string; source: string }
}

async function withEventLog(db: SqlDatabase, options: OperationalStoreOptions): Promise<OperationalStore> {
  if (options.eventLog === undefined) return new OperationalStore(db)
  return new OperationalStore(db, await openFileEventLog(options.eventLog.dir, new EventLogStore(db), options.eventLog.source))
}

export async function openOperationalStore(options: OperationalStoreOptions): Promise<OperationalStore> {
  let db: SqlDatabase
  if (options.databaseUrl !== undefined) {
    if (options.dataDir !== undefined) throw new Error('openOperationalStore: give dataDir or databaseUrl, not both')
    const pg = await PgDatabase.open(options.databaseUrl, options.poolSize === undefined ? {} : { max: options.poolSize })
    try {
      // Several engine processes may start at once: the advisory lock makes them migrate in turn.
      await pg.withAdvisoryLock(MIGRATION_LOCK_KEY, (locked) => migrate(locked))
    } catch (error) {
      await pg.close()
      throw error
    }
    db = pg
  } else {
    db = await PgliteDatabase.open(options.dataDir, options.pglite)
    await migrate(db)
  }
  try {
    return await withEventLog(db, options)
  } catch (error) {
    await db.close()
    throw error
  }
}
