// Event batches from the source: skip what the stored position already covers, decode, apply
// each event to its customer's state, arm or cancel timers, decide on the rules it matches, and
// write the effects with the position of the last record.
import { erasedReference } from '../../lib/pseudonym.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { Moment } from '../../rules/index.ts'
import { eventRowOf } from '../../store/history/rows.ts'
import type { SourceBatch, SourceRecord } from '../source/EventSource.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { alreadyApplied, applyEvent } from '../state/reducer.ts'
import { BatchWork, describeError, PoisonError } from './BatchWork.ts'
import { armDerivedDwells } from './dwellMoments.ts'
import type { EngineCore } from './EngineCore.ts'
import { addDeadLetter, asInput, decodeRecords, recordKey, type DecodedInput } from './isolation.ts'
import { IdentitySteps, mergeStepCustomer } from './identity.ts'
import { applyTimerChanges, DEFAULT_SETTLE_MS } from './timers.ts'

/** Longest slice of a step between two turns of the event loop (ms), checked every CHECK_EVERY events. */
const SLICE_MS = 4
export const CHECK_EVERY = 32
/** Records decoded between two turns (≈ 5 µs each). */
const DECODE_SLICE = 500

export class EventBatches {
  private readonly identity: IdentitySteps

  constructor(private readonly core: EngineCore) {
    this.identity = new IdentitySteps(core)
  }

  /**
   * One step over batches of one or more partitions (several are written in one transaction with
   * each partition's position; each partition's records keep their order).
   */
  async process(batches: readonly SourceBatch[]): Promise<readonly SourceRecord[]> {
    const { ops, sourceName } = this.core.opts
    const positions = await ops.engine.positions(sourceName, [...new Set(batches.map((b) => b.partition))])
    const records = batches.flatMap((b) => b.records.filter((r) => r.offset > (positions.get(b.partition) ?? 0)))
    if (records.length === 0) return []
    await this.core.refreshRules()
    return this.processRecords(records, true)
  }

  /**
   * Applies records and writes their effects with the position of each partition's last one. An
   * input that throws while being applied becomes a dead letter and the rest is applied again
   * without it; a write a store refuses for its data is retried record by record, so the one
   * record a store refuses is parked instead of holding up the partition.
   *
   * With `giveWay`, a timer firing or sweep queued behind the step while it applies events ends
   * the step early (see givesWayAt); returns the records it left, in order, for a later step.
   */
  private async processRecords(records: readonly SourceRecord[], giveWay = false): Promise<readonly SourceRecord[]> {
    let taken = records.length
    const started = performance.now()
    const budget = giveWay ? this.core.recordsBeforeTimer() : Number.POSITIVE_INFINITY
    const work = await this.core.isolating<string>(async (work, poison) => {
      taken = records.length
      const decoded = await this.unsuppressed(await this.decodeInSlices(records, poison, work), work)
      const steps = decoded.flatMap((d) => (d.merge ? [d.merge] : []))
      await this.core.loadStates(mapPacked(decoded, (d) => (d.merge ? mergeStepCustomer(d.merge) : d.event.customerId)))
      await this.identity.prepare(steps)
      work.staffing = await this.core.staffing()
      const divisible = giveWay && poison.size === 0 && steps.length === 0 && work.deadLetters.length === 0 && work.suppressed === 0
      let sliceStart = performance.now()
      for (const [i, { event, merge, record }] of decoded.entries()) {
        if (i % CHECK_EVERY === 0) {
          // A large step would hold the event loop for long: ingest requests get a turn now and then.
          if (performance.now() - sliceStart > SLICE_MS) {
            await this.core.turn()
            sliceStart = performance.now()
          }
          if (divisible && this.givesWayAt(i, budget)) {
            taken = records.indexOf(record)
            break
          }
        }
        asInput(recordKey(record), () => (merge ? this.identity.apply(merge, record.partition, work) : this.applyOne(event, record, work)))
      }
    })
    if (records.length === 0) return []
    const prefix = taken === records.length ? records : records.slice(0, taken)
    await this.writeRecords(prefix, work)
    if (giveWay) this.core.stepTook(prefix.length, performance.now() - started)
    return records.slice(taken)
  }

  /**
   * Whether the step ends before its i-th event: a timer firing or sweep waits behind it, or the
   * step has taken the records it can apply and write before the next timer falls due (`budget`).
   * The events not yet applied are left for a later step, as if they had arrived a moment later;
   * every step takes at least CHECK_EVERY events, so firings cannot hold events up for ever.
   */
  private givesWayAt(i: number, budget: number): boolean {
    return i > 0 && (this.core.stepsWaiting > 0 || i >= budget)
  }

  /**
   * One step over the records of one partition that may span several moments (a replay sandbox,
   * whose clock follows event time): before each record after the first, `gate.admit` says whether
   * it may join the step, seeing the work so far (and may move the clock to the record's time). The
   * step takes records up to the first one refused and returns how many it took. Records with a
   * dead letter, a suppressed id, an identity step or a poisoned input make the step take only the
   * first record's moment (records with its receivedAt), as processRecords would; that, and a
   * record written again alone, first moves the clock back to the record's time (`gate.moveTo`).
   */
  async processPrefix(batch: SourceBatch, gate: StepGate): Promise<number> {
    const { ops, sourceName } = this.core.opts
    const position = (await ops.engine.positions(sourceName, [batch.partition])).get(batch.partition) ?? 0
    let covered = 0
    for (const r of batch.records) if (r.offset <= position) covered++
    const records = covered === 0 ? batch.records : batch.records.slice(covered)
    if (records.length === 0) return covered
    await this.core.refreshRules()
    let taken = records.length
    let work: BatchWork
    try {
      work = await this.core.isolating<string>(async (work, poison) => {
        if (poison.size > 0) throw new OneMoment()
        const decoded = await this.unsuppressed(decodeRecords(records, poison, work, sourceName), work)
        if (work.deadLetters.length > 0 || work.suppressed > 0 || decoded.some((d) => d.merge)) throw new OneMoment()
        await this.core.loadStates(mapPacked(decoded, (d) => d.event?.customerId as string))
        work.staffing = await this.core.staffing()
        // asInput's isolation, without a closure and a key per record (garbage per event in a replay).
        for (let i = 0; i < decoded.length; i++) {
          const { event, record } = decoded[i] as DecodedInput
          if (i > 0 && !gate.admit(record, work)) {
            taken = i
            break
          }
          try {
            this.applyOne(event as ShopEvent, record, work)
          } catch (err) {
            throw new PoisonError(recordKey(record), err)
          }
        }
      })
    } catch (err) {
      if (!(err instanceof OneMoment)) throw err
      const first = records.findIndex((r) => r.receivedAt !== (records[0] as SourceRecord).receivedAt)
      taken = first === -1 ? records.length : first
      gate.moveTo(records[0] as SourceRecord)
      await this.processRecords(records.slice(0, taken))
      return covered + taken
    }
    await this.writeRecords(taken === records.length ? records : records.slice(0, taken), work, (record) => gate.moveTo(record))
    return covered + taken
  }

  private async writeRecords(records: readonly SourceRecord[], work: BatchWork, beforeAlone?: (record: SourceRecord) => void): Promise<void> {
    const { sourceName } = this.core.opts
    await this.core.commit.writeOrIsolate(
      records,
      () => this.core.commit.write(work, lastPositions(records)),
      async (record) => {
        beforeAlone?.(record)
        await this.processRecords([record])
      },
      async (record, err) => {
        const lone = new BatchWork()
        addDeadLetter(lone, record, sourceName, `a store refused this event's effects: ${describeError(err)}`)
        await this.core.commit.write(lone, lastPositions([record]))
      },
    )
  }

  /** decodeRecords a slice at a time, with a turn of the event loop between slices. */
  private async decodeInSlices(records: readonly SourceRecord[], poison: ReadonlyMap<string, unknown>, work: BatchWork): Promise<DecodedInput[]> {
    const decoded: DecodedInput[] = []
    for (let start = 0; start < records.length; start += DECODE_SLICE) {
      if (start > 0) await this.core.turn()
      for (const d of decodeRecords(records.slice(start, start + DECODE_SLICE), poison, work, this.core.opts.sourceName)) decoded.push(d)
    }
    return decoded
  }

  /**
   * Drops inputs for erased ids (docs/privacy.md) before they touch state, so neither a late event,
   * a Kafka rewind nor a replay of the embedded log brings an erased shopper back.
   */
  private async unsuppressed(decoded: DecodedInput[], work: BatchWork): Promise<DecodedInput[]> {
    if (this.core.opts.erasures === false) return decoded
    const customerOf = (d: DecodedInput) => (d.merge ? mergeStepCustomer(d.merge) : d.event.customerId)
    const references = decoded.map((d) => erasedReference(customerOf(d)))
    const suppressed = await this.core.opts.ops.suppressions.among(references)
    if (suppressed.size === 0) return decoded
    const kept = decoded.filter((_, i) => !suppressed.has(references[i] as string))
    work.suppressed += decoded.length - kept.length
    return kept
  }

  private applyOne(event: ShopEvent, record: SourceRecord, work: BatchWork): void {
    const { clock, metrics, logger } = this.core.opts
    const { partition } = record
    const state = this.core.stateOf(event.customerId)
    if (alreadyApplied(state, event.messageId)) {
      work.duplicates++
      return
    }
    if (this.identity.forwardIfSealed(state, event, record, work)) return
    work.dirty.add(state.customerId)
    if (state.partition !== undefined && state.partition !== partition) {
      // Two partitions means two writers for one customer: the producer's partitioner is wrong.
      metrics?.partitionConflicts.inc()
      logger.warn({ customerId: state.customerId, was: state.partition, now: partition }, 'customer seen on a second partition')
    }
    state.partition = partition
    applyEvent(state, event, this.core.retention)
    work.touched.set(state.customerId, { partition, state })
    work.eventCount++
    if (this.core.opts.eventRows !== false) work.events.push(eventRowOf(event, clock.now()))
    if (event.type === 'identify') work.addressChanged.add(state.customerId)
    this.identity.claimed(state, event, work)
    const ctx = this.core.evalContext(event, state, event.ts)
    applyTimerChanges(this.core, ctx, partition, work)
    // One decision per rule per event: its id names the event, not the trigger, so a second
    // trigger of the same rule matching the same event would overwrite the first's record.
    let decided: Set<string> | undefined
    for (const match of this.core.ruleSet.matchEvent(ctx)) {
      if (decided?.has(match.rule.id)) continue
      ;(decided ??= new Set()).add(match.rule.id)
      const moment: Moment = { rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }
      this.core.decideAndEmit(moment, ctx, work)
    }
    armDerivedDwells(this.core, state, event, partition, this.core.opts.settleMs ?? DEFAULT_SETTLE_MS, work)
  }
}

/** What a replay sandbox decides in a step over several moments (see EventBatches.processPrefix). */
export interface StepGate {
  /** Whether a record of the batch joins the step, given its work so far; may move the clock to its time. */
  admit(record: SourceRecord, work: BatchWork): boolean
  /** Moves the clock to a record's time (before it is processed again, alone or in the first moment). */
  moveTo(record: SourceRecord): void
}

/** A multi-moment step met an input it does not take apart: it falls back to one moment. */
class OneMoment extends Error {}

/** Partition → position of its last record (records of a partition come in order). */
function lastPositions(records: readonly SourceRecord[]): Map<number, number> {
  const positions = new Map<number, number>()
  for (const r of records) positions.set(r.partition, Math.max(r.offset, positions.get(r.partition) ?? 0))
  return positions
}
