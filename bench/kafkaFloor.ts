// The floor of Kafka mode on this machine: the CPU the engine cannot avoid per event, measured part
// by part on the bench's own servers, and the highest rate two CPUs allow from their sum.
//   1. the bare consumer's fetch + JSON.parse (from the bare runs of kafka.bench.ts);
//   2. the in-memory pipeline on parsed messages: decode → reducer → rules → decide;
//   3. the cheapest durable PostgreSQL write the invariants ask for: each step's touched
//      customer_state rows and its position in one transaction (EngineStore.commit with nothing
//      else), server CPU read from /proc;
//   4. the cheapest ClickHouse insert: one history row per event, one insert per step.
// Every part runs alone, one after the other: a sum of CPU seconds, no overlap assumed away.
import type { CustomerState } from '../src/model/customer.ts'
import { createMoney } from '../src/lib/money.ts'
import { emptyCustomerState } from '../src/model/customer.ts'
import { RuleSet, compileRule, decide, starterRules, type EvalContext } from '../src/rules/index.ts'
import { openHistoryStore } from '../src/store/history/openHistoryStore.ts'
import type { EventRow } from '../src/store/history/HistoryStore.ts'
import { eventRowOf } from '../src/store/history/rows.ts'
import { openOperationalStore } from '../src/store/operational/OperationalStore.ts'
import type { ShopEvent } from '../src/model/event.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { alreadyApplied, applyEvent, defaultRetention } from '../src/stream/state/reducer.ts'
import type { ServerStores } from '../test/support/serverStores.ts'
import { ProcessCpu, type CpuSample } from './processCpu.ts'

type Cpu = CpuSample & { total: number }

export interface FloorInput {
  /** The messages as produced (already parsed: parsing is the bare consumer's part). */
  messages: readonly Record<string, unknown>[]
  /** Events per engine step in the engine's run (its transactions and inserts hold this many). */
  stepSize: number
  stores: ServerStores
  cpu: ProcessCpu
  /** CPU of the bare consumer's runs, per event; and its rate. */
  bare: { cpu: Cpu; perSecond: number }
}

/** One step's result of the in-memory pipeline: what the stores must then hold. */
interface StepOutput {
  events: ShopEvent[]
  touched: Map<string, CustomerState>
}

function starterRuleSet(): RuleSet {
  return new RuleSet(
    starterRules.map((document) => {
      const compiled = compileRule({ document })
      if (!compiled.ok) throw new Error(`starter rule does not compile: ${JSON.stringify(compiled.errors)}`)
      return compiled.rule
    }),
  )
}

/** decode → reducer → rules (timers and matches) → decide, step by step; returns each step's output. */
function pipeline(messages: FloorInput['messages'], stepSize: number): StepOutput[] {
  const ruleSet = starterRuleSet()
  const money = createMoney('USD')
  const states = new Map<string, CustomerState>()
  const steps: StepOutput[] = []
  for (let start = 0; start < messages.length; start += stepSize) {
    const step: StepOutput = { events: [], touched: new Map() }
    for (const message of messages.slice(start, start + stepSize)) {
      const decoded = decodeMessage(message, 0)
      if (!decoded.ok) continue
      const event = decoded.event
      let state = states.get(event.customerId)
      if (state === undefined) states.set(event.customerId, (state = emptyCustomerState(event.customerId)))
      if (alreadyApplied(state, event.messageId)) continue
      applyEvent(state, event, defaultRetention)
      step.events.push(event)
      step.touched.set(state.customerId, state)
      const orderId = event.properties.order_id
      const ctx: EvalContext = { event, state, order: typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined, at: event.ts, money }
      ruleSet.timerChanges(event, ctx)
      for (const match of ruleSet.matchEvent(ctx)) {
        const decision = decide({ rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }, ctx, state.firings)
        if (decision.firing) state.firings[decision.firing.key] = decision.firing.at
      }
    }
    steps.push(step)
  }
  return steps
}

export interface Floor {
  lines: string[]
  /** CPU µs per event of all parts together. */
  totalUs: number
}

export async function measureFloor(input: FloorInput): Promise<Floor> {
  const { messages, stepSize, stores, cpu, bare } = input
  const events = messages.length
  const us = (seconds: number) => (seconds * 1e6) / events

  // 2. The pipeline alone (node's own CPU: nothing else runs).
  pipeline(messages.slice(0, Math.min(events, 10_000)), stepSize) // warm-up: JIT
  const pipelineStart = process.cpuUsage()
  const steps = pipeline(messages, stepSize)
  const pipelineCpu = process.cpuUsage(pipelineStart)
  const pipelineUs = (pipelineCpu.user + pipelineCpu.system) / events

  // What the PostgreSQL write's node share is mostly made of: serialising the touched states. The
  // copies (JSON.parse of their JSON) are fresh and compact in memory, so they serialise faster than
  // the live states; not because the live maps have no prototype (docs/performance.md).
  const written = steps.flatMap((step) => [...step.touched.values()])
  const stringifyUs = (values: readonly unknown[]) => {
    const start = process.cpuUsage()
    for (const value of values) JSON.stringify(value)
    const used = process.cpuUsage(start)
    return (used.user + used.system) / events
  }
  const plainCopies = written.map((state) => JSON.parse(JSON.stringify(state)) as unknown)
  stringifyUs(written)
  const serialise = { states: stringifyUs(written), plain: stringifyUs(plainCopies) }

  const ops = await openOperationalStore({ databaseUrl: stores.databaseUrl })
  const history = await openHistoryStore({ url: stores.clickhouseUrl, database: stores.clickhouseDatabase })
  try {
    // 3. customer_state rows + position, one durable transaction per step.
    const empty = { timers: [], outbox: [], tasks: [], deadLetters: [] }
    let before = cpu.sample()
    for (const [i, step] of steps.entries()) {
      const states = [...step.touched.values()].map((state) => ({ partition: 0, state }))
      await ops.engine.commit({ source: 'floor', positions: new Map([[0, i + 1]]), states, now: Date.now(), ...empty })
    }
    const pg = ProcessCpu.since(before, cpu.sample())

    // 4. One history row per event, one insert per step.
    const receivedAt = Date.now()
    before = cpu.sample()
    for (const step of steps) {
      const rows: EventRow[] = step.events.map((event) => eventRowOf(event, receivedAt))
      await history.append({ events: rows })
    }
    const ch = ProcessCpu.since(before, cpu.sample())

    const bareUs = us(bare.cpu.total)
    const parts: Array<[string, number, string]> = [
      ['bare consumer: Kafka fetch + JSON.parse', bareUs, `node ${us(bare.cpu.node).toFixed(1)} + mock ${us(bare.cpu.children).toFixed(1)}`],
      ['in-memory pipeline: decode → reducer → rules → decide', pipelineUs, 'node'],
      [`PostgreSQL: customer_state rows + position, a transaction per ${stepSize} events`, us(pg.total), `node ${us(pg.node).toFixed(1)} + PostgreSQL ${us(pg.postgres).toFixed(1)}`],
      [`ClickHouse: one history row per event, an insert per ${stepSize}`, us(ch.total), `node ${us(ch.node).toFixed(1)} + ClickHouse ${us(ch.children).toFixed(1)}`],
    ]
    const totalUs = parts.reduce((sum, [, v]) => sum + v, 0)
    const nodeUs = us(bare.cpu.node) + pipelineUs + us(pg.node) + us(ch.node)
    const goal = bare.perSecond / 2
    const twoCpus = 2e6 / totalUs
    const mainThread = 1e6 / nodeUs
    const limit = Math.min(twoCpus, mainThread)
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
    const lines = [
      `the floor: CPU per event the engine cannot avoid (each part alone, ${fmt(events)} events, steps of ${stepSize}):`,
      ...parts.map(([name, v, split]) => `  ${name.padEnd(74)} ${v.toFixed(1).padStart(6)} µs  (${split})`),
      `  ${'sum'.padEnd(74)} ${totalUs.toFixed(1).padStart(6)} µs  (node ${nodeUs.toFixed(1)} µs of it)`,
      `  (of the PostgreSQL part's node share, JSON.stringify of the ${fmt(written.length)} states written: ${serialise.states.toFixed(1)} µs per event; of fresh JSON.parse copies of them: ${serialise.plain.toFixed(1)} µs)`,
      `highest rate: 2 CPUs / ${totalUs.toFixed(1)} µs = ${fmt(twoCpus)} events/s; node's one main thread / ${nodeUs.toFixed(1)} µs = ${fmt(mainThread)} events/s`,
      `50 % of the bare consumer (${fmt(bare.perSecond)} events/s) = ${fmt(goal)} events/s → ${limit >= goal ? 'the floor allows the goal' : `the floor allows at most ${fmt(limit)}, ${(goal / limit).toFixed(1)}× short of it: the goal cannot be met on this machine`}`,
      // Rates in the same run depend on the load; CPU per event hardly does.
      `load aside, by CPU per event: node's main thread allows the bare consumer 1 / ${us(bare.cpu.node).toFixed(1)} µs = ${fmt(1e6 / us(bare.cpu.node))} events/s, the floor ${(100 * (us(bare.cpu.node) / nodeUs)).toFixed(0)} % of that; over 2 CPUs ${(100 * (bareUs / totalUs)).toFixed(0)} % (goal 50 %)`,
    ]
    return { lines, totalUs }
  } finally {
    await Promise.allSettled([ops.close(), history.close()])
  }
}
