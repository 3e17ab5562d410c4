// Where an embedded engine's wall time goes while it drains a backlog, by stage, without touching
// the engine: the log read, the store calls and every PGlite statement are wrapped on the running
// instances (bench/kafkaStages.ts's StageClock: overlapping calls of one stage count once).
import { PGlite } from '@electric-sql/pglite'
import type { Careloop } from '../src/app.ts'
import { StageClock, wrapStepStages } from './kafkaStages.ts'

const SQL = 'sql: '
const STEP = 'engine steps'
const LOG_READ = 'event log read'
const POSITIONS = 'positions read'
const SUPPRESSIONS = 'suppression read'
const RULES = 'rules fingerprint'
const LOAD_STATES = 'load states'
const HISTORY = 'history append (chDB)'
const COMMIT = 'operational commit transaction'
const STORES = 'store calls, overlapping counted once'

/** Wraps the stages of an embedded Careloop (before start()); every PGlite statement is timed by its first words. */
export function instrumentEmbedded(app: Careloop, clock: StageClock): void {
  wrapStepStages(app, clock, { step: STEP, positions: POSITIONS, loadStates: LOAD_STATES, commit: COMMIT, suppressions: SUPPRESSIONS, history: HISTORY, stores: STORES })
  clock.wrap(app.ops.log, 'read', LOG_READ, STORES)
  clock.wrap(app.ops.rules, 'fingerprint', RULES, STORES)
  type Query = (...args: unknown[]) => Promise<unknown>
  const timed = (original: Query): Query =>
    async function (this: unknown, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : '?'
      const stage = clock.stage(SQL + text.replace(/\s+/g, ' ').replace(/\(\$\d+.*$/, '(…)').slice(0, 70))
      stage.enter()
      try {
        return await original.apply(this, args)
      } finally {
        stage.leave()
      }
    }
  const proto = PGlite.prototype as unknown as Record<string, Query>
  proto['query'] = timed(proto['query'] as Query)
  // Statements inside a transaction go through the transaction object PGlite hands the callback.
  const transaction = proto['transaction'] as Query
  proto['transaction'] = function (this: unknown, fn: unknown) {
    const wrapped = (tx: Record<string, Query>) => (fn as (tx: unknown) => Promise<unknown>)(Object.assign(Object.create(tx) as object, { query: timed((tx['query'] as Query).bind(tx)) }))
    return transaction.call(this, wrapped)
  } as Query
}

export function embeddedReport(clock: StageClock, wallMs: number, events: number): string {
  const stage = (name: string) => clock.stages.get(name)
  const ms = (name: string) => stage(name)?.busyMs ?? 0
  const step = ms(STEP)
  const rows: Array<[string, number, number | undefined]> = [
    ['outside steps (source loop, ingest, idle)', wallMs - step, undefined],
    [STEP, step, stage(STEP)?.calls],
    ...[LOG_READ, POSITIONS, SUPPRESSIONS, RULES, LOAD_STATES, HISTORY, COMMIT].map((name): [string, number, number | undefined] => [`  ${name}`, ms(name), stage(name)?.calls]),
    ['  decode, state, rules, decide (step − store calls)', step - ms(STORES) + ms(LOG_READ), undefined],
  ]
  const lines = rows.map(([name, t, calls]) => `  ${name.padEnd(52)} ${t.toFixed(0).padStart(7)} ms ${((100 * t) / wallMs).toFixed(1).padStart(5)} %${calls === undefined ? '' : `  ${calls} calls`}`)
  const statements = [...clock.stages].filter(([name]) => name.startsWith(SQL)).sort((a, b) => b[1].busyMs - a[1].busyMs).slice(0, 10)
  const sql = statements.map(([name, st]) => `  ${st.busyMs.toFixed(0).padStart(7)} ms ${String(st.calls).padStart(6)} calls  ${name.slice(SQL.length)}`)
  const steps = stage(STEP)?.calls ?? 0
  return [`where the drain's ${wallMs.toFixed(0)} ms went (${steps} steps, ${steps ? Math.round(events / steps) : 0} events a step):`, ...lines, 'PGlite statements (all callers), by time:', ...sql].join('\n')
}

export { StageClock }
