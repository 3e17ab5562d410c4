// Opens (and migrates) both stores the configuration names. Embedded (PGlite and chDB in this
// process), history goes through the spool (src/store/spool): a chDB append costs a step far more
// than a row in the operational store.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import type { HistoryStore } from './store/history/HistoryStore.ts'
import { openHistoryStore } from './store/history/openHistoryStore.ts'
import { openOperationalStore, type OperationalStore } from './store/operational/OperationalStore.ts'
import { SpooledHistoryStore } from './store/spool/SpooledHistoryStore.ts'
import { EMBEDDED_SOURCE } from './stream/source/EmbeddedLogSource.ts'

export interface StoreContext {
  clock?: Clock
  logger?: Logger
}

export async function openStores(config: Config, context: StoreContext = {}): Promise<{ ops: OperationalStore; history: HistoryStore }> {
  mkdirSync(config.dataDir, { recursive: true })
  // Embedded, events wait in segment files in the data directory; on a PostgreSQL server they wait
  // in its event_log table, which outlives the process and its disk.
  const eventLog = config.kafka || config.databaseUrl ? {} : { eventLog: { dir: join(config.dataDir, 'log'), source: EMBEDDED_SOURCE } }
  const pglite = config.pgliteSharedBuffers === undefined ? {} : { sharedBuffers: config.pgliteSharedBuffers }
  const ops = await openOperationalStore({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: join(config.dataDir, 'ops'), pglite }), ...eventLog })
  let history: HistoryStore | undefined
  try {
    history = await openHistoryStore(config.clickhouseUrl ? { url: config.clickhouseUrl, database: config.clickhouseDatabase } : { dataDir: config.dataDir })
    // Only with both stores in this process: the data directory's lock makes it the spool's one mover.
    if (config.databaseUrl || config.clickhouseUrl) return { ops, history }
    const logger = context.logger ?? pino({ level: config.logLevel })
    // Off, every append goes to chDB at once; the spool still holds history while chDB is out of
    // reach and moves on what an earlier start left.
    const direct = config.historySpool ? {} : { directRows: -1 }
    const spooled = await SpooledHistoryStore.open(history, { spool: ops.historySpool, clock: context.clock ?? systemClock, logger, park: (letters) => ops.deadLetters.add(letters), ...direct })
    return { ops, history: spooled }
  } catch (err) {
    await history?.close().catch(() => undefined)
    await ops.close()
    throw err
  }
}

/** The spool's depth for /metrics. */
export async function spoolDepth(history: SpooledHistoryStore, clock: Clock): Promise<{ appends: number; ageMs: number }> {
  const { appends, oldestAt } = await history.depth()
  return { appends, ageMs: oldestAt === undefined ? 0 : Math.max(0, clock.now() - oldestAt) }
}
