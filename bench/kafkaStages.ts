// Where a Kafka-mode engine's wall time goes, by stage, without touching the engine: the store
// calls, the engine step and the Kafka offset commit are wrapped on the running instances. Each
// stage counts the time at least one of its calls was in flight (overlapping calls count once).
import pg from 'pg'
import type { Careloop } from '../src/app.ts'
import { OffsetCommits } from '../src/stream/kafka/consumer/OffsetCommits.ts'

class Stage {
  calls = 0
  busyMs = 0
  private active = 0
  private since = 0

  enter(): void {
    this.calls++
    if (this.active++ === 0) this.since = performance.now()
  }

  leave(): void {
    if (--this.active === 0) this.busyMs += performance.now() - this.since
  }
}

export class StageClock {
  readonly stages = new Map<string, Stage>()

  stage(name: string): Stage {
    let stage = this.stages.get(name)
    if (stage === undefined) this.stages.set(name, (stage = new Stage()))
    return stage
  }

  /** Forgets what was counted before the measured run (start-up reads). */
  begin(): void {
    for (const stage of this.stages.values()) {
      stage.calls = 0
      stage.busyMs = 0
    }
  }

  /** Replaces `target[method]` by a call of the original timed under each of `names`. */
  wrap<T extends object>(target: T, method: keyof T & string, ...names: string[]): void {
    const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>
    const stages = names.map((name) => this.stage(name))
    ;(target as Record<string, unknown>)[method] = async function (this: unknown, ...args: unknown[]) {
      for (const stage of stages) stage.enter()
      try {
        return await original.apply(this, args)
      } finally {
        for (const stage of stages) stage.leave()
      }
    }
  }

  report(wallMs: number): string {
    const ms = (name: string) => this.stages.get(name)?.busyMs ?? 0
    const step = ms(STEP)
    const inStep = ms(STORES)
    const rows: Array<[string, number, number | undefined]> = [
      ['Kafka fetch, kafkajs, idle (wall − step − offset commit)', wallMs - step - ms(OFFSETS), undefined],
      [OFFSETS, ms(OFFSETS), this.stages.get(OFFSETS)?.calls],
      [STEP, step, this.stages.get(STEP)?.calls],
      [`  ${POSITIONS}`, ms(POSITIONS), this.stages.get(POSITIONS)?.calls],
      [`  ${SUPPRESSIONS}`, ms(SUPPRESSIONS), this.stages.get(SUPPRESSIONS)?.calls],
      [`  ${LOAD_STATES}`, ms(LOAD_STATES), this.stages.get(LOAD_STATES)?.calls],
      ['  decode, state, rules, decide (step − store calls)', step - inStep, undefined],
      [`  ${HISTORY}`, ms(HISTORY), this.stages.get(HISTORY)?.calls],
      [`  ${COMMIT}`, ms(COMMIT), this.stages.get(COMMIT)?.calls],
      [`  ${STORES}`, inStep, undefined],
    ]
    const lines = rows.map(([name, t, calls]) => `  ${name.padEnd(58)} ${t.toFixed(0).padStart(7)} ms ${((100 * t) / wallMs).toFixed(1).padStart(5)} %${calls === undefined ? '' : `  ${calls} calls`}`)
    const statements = [...this.stages].filter(([name]) => name.startsWith(SQL)).sort((a, b) => b[1].busyMs - a[1].busyMs).slice(0, 8)
    const sql = statements.map(([name, st]) => `  ${st.busyMs.toFixed(0).padStart(7)} ms ${String(st.calls).padStart(6)} calls  ${name.slice(SQL.length)}`)
    return [`where the engine's ${wallMs.toFixed(0)} ms went:`, ...lines, 'PostgreSQL statements (all callers), by time:', ...sql].join('\n')
  }

  /** Times every statement of every node-postgres client by its first words. */
  timeStatements(): void {
    const clock = this
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown
    ;(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
      const first = args[0]
      const text = typeof first === 'string' ? first : typeof (first as { text?: unknown })?.text === 'string' ? (first as { text: string }).text : '?'
      const stage = clock.stage(SQL + text.replace(/\s+/g, ' ').slice(0, 70))
      stage.enter()
      const callback = args[args.length - 1]
      if (typeof callback === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          stage.leave()
          return (callback as (...r: unknown[]) => unknown)(...results)
        }
        return original.apply(this, args)
      }
      const result = original.apply(this, args)
      if (result instanceof Promise) return result.finally(() => stage.leave())
      stage.leave()
      return result
    }
  }
}

const SQL = 'sql: '

const STEP = 'engine steps (handler busy)'
const OFFSETS = 'Kafka offset commit requests'
const POSITIONS = 'positions read'
const SUPPRESSIONS = 'suppression read'
const LOAD_STATES = 'load states (PostgreSQL)'
const HISTORY = 'ClickHouse insert'
const COMMIT = 'PostgreSQL commit transaction'
const STORES = 'store calls above, overlapping counted once'

export interface StepStageNames {
  step: string
  positions: string
  loadStates: string
  commit: string
  suppressions: string
  history: string
  /** Every store call above, overlapping calls counted once. */
  stores: string
}

/** Wraps an engine's steps and the store calls each step makes (before start()). */
export function wrapStepStages(app: Careloop, clock: StageClock, names: StepStageNames): void {
  clock.wrap(app.engine, 'handleBatch', names.step)
  clock.wrap(app.ops.engine, 'positions', names.positions, names.stores)
  clock.wrap(app.ops.engine, 'loadStates', names.loadStates, names.stores)
  clock.wrap(app.ops.engine, 'commit', names.commit, names.stores)
  clock.wrap(app.ops.suppressions, 'among', names.suppressions, names.stores)
  clock.wrap(app.history, 'append', names.history, names.stores)
}

/** Engine steps counted by an instrumented Kafka-mode engine (one operational transaction each). */
export function engineSteps(clock: StageClock): number {
  return clock.stages.get(COMMIT)?.calls ?? 0
}

/** Wraps the stages of a Careloop opened in Kafka mode (before start()). */
export function instrumentEngine(app: Careloop, clock: StageClock): void {
  wrapStepStages(app, clock, { step: STEP, positions: POSITIONS, loadStates: LOAD_STATES, commit: COMMIT, suppressions: SUPPRESSIONS, history: HISTORY, stores: STORES })
  clock.wrap(OffsetCommits.prototype as unknown as Record<string, unknown>, 'send', OFFSETS)
  clock.timeStatements()
}
