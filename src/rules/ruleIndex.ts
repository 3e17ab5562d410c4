// The rules one event name triggers, indexed on what they require (see indexable.ts). Each entry is
// filed once: under its most selective eq / in (a hash lookup), else under a numeric bound (a
// sorted list scanned until the bound fails), else in the rest. Every other constraint is then
// tested against values read once per event, so an entry's predicate runs only when every
// constraint the index knows of holds.
import type { CompiledEventTrigger, CompiledRule } from './compile.ts'
import type { Predicate } from './conditions.ts'
import type { EvalContext } from './facts.ts'
import { holds, readProbe, splitConditions, type Constraint, type Probe } from './indexable.ts'

export interface IndexEntry {
  rule: CompiledRule
  trigger: CompiledEventTrigger
  /** Constraints the entry's filing does not already guarantee, with their probe slots. */
  tests: Array<{ slot: number; constraint: Constraint }>
  /** The conditions no constraint covers. */
  residual: Predicate
  /** Position in match order: priority descending, then rule id. */
  rank: number
}

interface Bounded {
  bound: number
  strict: boolean
  entry: IndexEntry
}

interface ValueIndex {
  slot: number
  byValue: Map<string, IndexEntry[]>
}

interface BoundIndex {
  slot: number
  /** gt / gte, ascending bound: candidates are a prefix with bound ≤ value. */
  lower: Bounded[]
  /** lt / lte, descending bound: candidates are a prefix with bound ≥ value. */
  upper: Bounded[]
}

export interface Bucket {
  probes: Probe[]
  /** Per probe slot: the event (stamp) its cached value was read for, and the value. */
  stamps: number[]
  cached: Array<string | number | undefined>
  values: ValueIndex[]
  bounds: BoundIndex[]
  rest: IndexEntry[]
}

/** The index's reach for one bucket, for diagnostics. */
export interface BucketShape {
  valueIndexes: string[]
  boundIndexes: string[]
  indexed: number
  rest: number
}

function conditionTrees(rule: CompiledRule, trigger: CompiledEventTrigger): unknown[] {
  const doc = rule.document.triggers[trigger.index]
  return [doc !== undefined && 'when' in doc ? doc.when : undefined, rule.document.when]
}

export function buildBucket(pairs: ReadonlyArray<{ rule: CompiledRule; trigger: CompiledEventTrigger }>, rankOf: (rule: CompiledRule) => number): Bucket {
  const probes: Probe[] = []
  const slots = new Map<string, number>()
  const slotOf = (probe: Probe): number => {
    let slot = slots.get(probe.id)
    if (slot === undefined) slots.set(probe.id, (slot = probes.push(probe) - 1))
    return slot
  }
  const split = pairs.map(({ rule, trigger }) => ({ rule, trigger, ...splitConditions(conditionTrees(rule, trigger)) }))
  const distinct = new Map<number, Set<string>>()
  for (const { constraints } of split) {
    for (const c of constraints) {
      if (c.kind !== 'key') continue
      const slot = slotOf(c.probe)
      const set = distinct.get(slot) ?? new Set<string>()
      for (const v of c.values) set.add(v)
      distinct.set(slot, set)
    }
  }
  const values = new Map<number, ValueIndex>()
  const bounds = new Map<number, BoundIndex>()
  const rest: IndexEntry[] = []
  for (const { rule, trigger, constraints, residual } of split) {
    // Filed under the eq / in whose probe has the most distinct values (then the fewest values).
    let best: Extract<Constraint, { kind: 'key' }> | undefined
    let bestSize = -1
    for (const c of constraints) {
      if (c.kind !== 'key') continue
      const size = distinct.get(slotOf(c.probe))?.size ?? 0
      if (best === undefined || size > bestSize || (size === bestSize && c.values.size < best.values.size)) {
        best = c
        bestSize = size
      }
    }
    const primary: Constraint | undefined = best ?? constraints[0]
    const tests = constraints.filter((c) => c !== primary).map((constraint) => ({ slot: slotOf(constraint.probe), constraint }))
    const entry: IndexEntry = { rule, trigger, tests, residual, rank: rankOf(rule) }
    if (primary === undefined) {
      rest.push(entry)
      continue
    }
    const slot = slotOf(primary.probe)
    if (primary.kind === 'key') {
      let index = values.get(slot)
      if (!index) values.set(slot, (index = { slot, byValue: new Map() }))
      for (const value of primary.values) {
        const list = index.byValue.get(value)
        if (list) list.push(entry)
        else index.byValue.set(value, [entry])
      }
      continue
    }
    let index = bounds.get(slot)
    if (!index) bounds.set(slot, (index = { slot, lower: [], upper: [] }))
    const item = { bound: primary.bound, strict: primary.op === 'gt' || primary.op === 'lt', entry }
    if (primary.op === 'gt' || primary.op === 'gte') index.lower.push(item)
    else index.upper.push(item)
  }
  for (const index of bounds.values()) {
    index.lower.sort((a, b) => a.bound - b.bound)
    index.upper.sort((a, b) => b.bound - a.bound)
  }
  return {
    probes,
    stamps: probes.map(() => 0),
    cached: probes.map(() => undefined),
    values: [...values.values()],
    bounds: [...bounds.values()],
    rest,
  }
}

/** A probe's value for the event being matched (stamp), read at most once per event. */
function read(bucket: Bucket, slot: number, ctx: EvalContext, stamp: number): string | number | undefined {
  if (bucket.stamps[slot] === stamp) return bucket.cached[slot]
  const value = readProbe(bucket.probes[slot] as Probe, ctx)
  bucket.stamps[slot] = stamp
  bucket.cached[slot] = value
  return value
}

function admits(bucket: Bucket, entry: IndexEntry, ctx: EvalContext, stamp: number): boolean {
  const tests = entry.tests
  for (let i = 0; i < tests.length; i++) {
    const test = tests[i] as IndexEntry['tests'][number]
    if (!holds(test.constraint, read(bucket, test.slot, ctx, stamp))) return false
  }
  return true
}

/**
 * Writes to `out`, from index 0, each entry whose every indexed constraint holds for the event,
 * and returns how many; `stamp` must be new for each call (it keys the per-event probe cache).
 * `out` is a reused scratch list: slots past the count hold stale entries.
 */
export function collectCandidates(bucket: Bucket, ctx: EvalContext, stamp: number, out: IndexEntry[]): number {
  let n = 0
  for (const index of bucket.values) {
    const key = read(bucket, index.slot, ctx, stamp)
    const list = key === undefined ? undefined : index.byValue.get(key as string)
    if (list === undefined) continue
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as IndexEntry
      if (admits(bucket, entry, ctx, stamp)) out[n++] = entry
    }
  }
  for (const index of bucket.bounds) {
    const value = read(bucket, index.slot, ctx, stamp) as number | undefined
    if (value === undefined) continue
    for (const item of index.lower) {
      if (item.bound > value) break
      if ((!item.strict || item.bound < value) && admits(bucket, item.entry, ctx, stamp)) out[n++] = item.entry
    }
    for (const item of index.upper) {
      if (item.bound < value) break
      if ((!item.strict || item.bound > value) && admits(bucket, item.entry, ctx, stamp)) out[n++] = item.entry
    }
  }
  for (let i = 0; i < bucket.rest.length; i++) {
    const entry = bucket.rest[i] as IndexEntry
    if (admits(bucket, entry, ctx, stamp)) out[n++] = entry
  }
  return n
}

/**
 * Sorts the first `n` entries into match order. Insertion sort: an event has a handful of
 * candidates, mostly in order already (buckets are built from entries in rank order).
 */
export function sortByRank(list: IndexEntry[], n: number): void {
  for (let i = 1; i < n; i++) {
    const entry = list[i] as IndexEntry
    let j = i - 1
    while (j >= 0 && byRank(list[j] as IndexEntry, entry) > 0) {
      list[j + 1] = list[j] as IndexEntry
      j--
    }
    list[j + 1] = entry
  }
}

export function bucketShape(bucket: Bucket): BucketShape {
  const probeName = (slot: number): string => (bucket.probes[slot] as Probe).id.replace(/^(key|num) (fact )?/, '')
  return {
    valueIndexes: bucket.values.map((v) => probeName(v.slot)),
    boundIndexes: bucket.bounds.map((b) => probeName(b.slot)),
    indexed: bucket.values.reduce((n, v) => n + new Set([...v.byValue.values()].flat()).size, 0) + bucket.bounds.reduce((n, b) => n + b.lower.length + b.upper.length, 0),
    rest: bucket.rest.length,
  }
}

/** Match order: priority descending, then rule id, then trigger. */
export const byRank = (a: IndexEntry, b: IndexEntry): number => a.rank - b.rank || a.trigger.index - b.trigger.index
