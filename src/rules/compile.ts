// A validated rule document → a compiled rule: predicates as closures, durations in ms, facts as
// getters. Compilation is where every semantic check happens, with field paths.
import { DateTime } from 'luxon'
import { cronMinutes, cronProblem, cutoffMinutes } from './schedule.ts'
import { parseDuration } from '../lib/duration.ts'
import type { Channel, Topic } from '../model/channel.ts'
import type { Priority } from '../model/priority.ts'
import type { RuleDocument, RuleRecord } from './document.ts'
import { compileCondition, type ConditionInfo, type FieldError, type Predicate } from './conditions.ts'
import { compileFact, type FactGetter } from './facts.ts'
import { checkRuleShape } from './validate.ts'

export interface CompiledEventTrigger {
  kind: 'event'
  index: number
  event: string
  entity: string | undefined
  when: Predicate
}

export interface CompiledAbsenceTrigger {
  kind: 'absence'
  index: number
  start: ReadonlySet<string>
  awaited: ReadonlySet<string>
  entity: string
  /** Due = start event time + afterMs, when set. */
  afterMs: number | undefined
  /** Due = first present of these facts (a time) + graceMs, when set. */
  at: FactGetter[]
  graceMs: number
  /** A fact whose value (ms or duration text) replaces graceMs when present. */
  graceFrom: FactGetter | undefined
  /** Due = this many minutes after local midnight (shopper's zone) on the `at` fact's local date, + grace. */
  cutoffMinutes: number | undefined
  /** The timer fires this long after the due time (allowed lateness); undefined = the engine's default. */
  settleMs: number | undefined
  when: Predicate
}

/** A cron time in each shopper's zone (or a fixed zone), optionally on a date trait's anniversary. */
export interface CompiledScheduleTrigger {
  kind: 'schedule'
  index: number
  cron: string
  /** Minutes past the hour it can fire at: the sweep skips the customer scan at other minutes. */
  minutes: number[]
  anniversary: FactGetter | undefined
  /** undefined = each shopper's own zone. */
  timezone: string | undefined
  when: Predicate
}

export type CompiledTrigger = CompiledEventTrigger | CompiledAbsenceTrigger | CompiledScheduleTrigger

/** What a task does when no person can take it in time. */
export interface TaskFallback {
  channel: Channel
  template: string
  topic: Topic
  thenTask: boolean
}

export type CompiledAction =
  | { kind: 'nudge'; index: number; channel: Channel; template: string; topic: Topic; urgent: boolean; survey: boolean; when: Predicate }
  | {
      kind: 'task'
      index: number
      queue: string
      priority: Priority
      slaMs: number
      title: string | undefined
      skills: string[]
      fallback: TaskFallback | undefined
      when: Predicate
    }

export interface CompiledRule {
  id: string
  version: number
  name: string
  priority: number
  document: RuleDocument
  triggers: CompiledTrigger[]
  when: Predicate
  actions: CompiledAction[]
  guard: { cooldownMs: number | undefined; once: boolean; per: 'customer' | 'entity' }
  /** Share of shoppers held out (0 = none). */
  holdout: number
  /** Moments older than this (processing time minus event time) are stale: recorded, never acted on. */
  maxAgeMs: number
  /** Event name → longest count window the rule needs (state keeps that much history). */
  countWindows: Map<string, number>
  /** Events that end the reason of the rule's moments (document `withdrawOn`). */
  withdrawOn: CompiledWithdraw[]
}

export interface CompiledWithdraw {
  event: string
  entity: string | undefined
  when: Predicate
}

const ALWAYS: Predicate = () => true

export type CompileResult = { ok: true; rule: CompiledRule } | { ok: false; errors: FieldError[] }

function optionalCondition(node: unknown, path: string, errors: FieldError[], info: ConditionInfo): Predicate {
  return node === undefined ? ALWAYS : compileCondition(node, path, errors, info)
}

const isZone = (zone: string): boolean => DateTime.fromMillis(0, { zone }).isValid

function durationAt(text: string | undefined, path: string, errors: FieldError[]): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) errors.push({ path, message: 'must be a positive duration such as 1h or 7d' })
  return ms
}

/** A duration that may be zero (a grace, an allowed lateness). */
function settleAt(text: string | undefined, path: string, errors: FieldError[]): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDuration(text)
  if (ms === undefined || ms < 0) errors.push({ path, message: 'must be a duration such as 0s, 5m or 1h' })
  return ms
}

function compileTriggers(doc: RuleDocument, errors: FieldError[], info: ConditionInfo): CompiledTrigger[] {
  return doc.triggers.map((trigger, index): CompiledTrigger => {
    const path = `/triggers/${index}`
    const when = optionalCondition(trigger.when, `${path}/when`, errors, info)
    if ('schedule' in trigger) {
      const spec = trigger.schedule
      const problem = cronProblem(spec.cron)
      if (problem) errors.push({ path: `${path}/schedule/cron`, message: problem })
      let anniversary: FactGetter | undefined
      if (spec.anniversary !== undefined) {
        const getter = compileFact(spec.anniversary)
        if ('error' in getter) errors.push({ path: `${path}/schedule/anniversary`, message: getter.error })
        else anniversary = getter
      }
      const zone = spec.timezone === undefined || spec.timezone === 'shopper' ? undefined : spec.timezone
      if (zone !== undefined && !isZone(zone)) errors.push({ path: `${path}/schedule/timezone`, message: `unknown time zone "${zone}"` })
      return { kind: 'schedule', index, cron: spec.cron, minutes: problem ? [] : cronMinutes(spec.cron), anniversary, timezone: zone, when }
    }
    if (!('absence' in trigger)) {
      return { kind: 'event', index, event: trigger.event, entity: trigger.entity, when }
    }
    const spec = trigger.absence
    if ((spec.after === undefined) === (spec.at === undefined)) {
      errors.push({ path: `${path}/absence`, message: 'needs exactly one of after (a duration) or at (a time fact)' })
    }
    const at: FactGetter[] = []
    const atPaths = spec.at === undefined ? [] : Array.isArray(spec.at) ? spec.at : [spec.at]
    atPaths.forEach((factPath, i) => {
      const getter = compileFact(factPath)
      const where = Array.isArray(spec.at) ? `${path}/absence/at/${i}` : `${path}/absence/at`
      if ('error' in getter) errors.push({ path: where, message: getter.error })
      else at.push(getter)
    })
    let graceFrom: FactGetter | undefined
    if (spec.graceFrom !== undefined) {
      const getter = compileFact(spec.graceFrom)
      if ('error' in getter) errors.push({ path: `${path}/absence/graceFrom`, message: getter.error })
      else if (spec.at === undefined) errors.push({ path: `${path}/absence/graceFrom`, message: 'needs at (a grace is added to a time fact)' })
      else graceFrom = getter
    }
    let cutoff: number | undefined
    if (spec.cutoff !== undefined) {
      cutoff = cutoffMinutes(spec.cutoff)
      if (cutoff === undefined) errors.push({ path: `${path}/absence/cutoff`, message: `must be a local time of day HH:MM (00:00–23:59), got "${spec.cutoff}"` })
      else if (spec.at === undefined) errors.push({ path: `${path}/absence/cutoff`, message: 'needs at (the time fact whose local date it applies to)' })
    }
    const overlap = spec.start.filter((name) => spec.awaited.includes(name))
    if (overlap.length > 0) {
      errors.push({ path: `${path}/absence/awaited`, message: `"${overlap[0]}" cannot both start and end the wait` })
    }
    return {
      kind: 'absence',
      index,
      start: new Set(spec.start),
      awaited: new Set(spec.awaited),
      entity: spec.entity,
      afterMs: durationAt(spec.after, `${path}/absence/after`, errors),
      at,
      graceMs: settleAt(spec.grace, `${path}/absence/grace`, errors) ?? 0,
      graceFrom,
      cutoffMinutes: cutoff,
      settleMs: settleAt(spec.settle, `${path}/absence/settle`, errors),
      when,
    }
  })
}

function compileActions(doc: RuleDocument, errors: FieldError[], info: ConditionInfo): CompiledAction[] {
  return doc.actions.map((action, index): CompiledAction => {
    const when = optionalCondition(action.when, `/actions/${index}/when`, errors, info)
    if ('nudge' in action) {
      const n = action.nudge
      return { kind: 'nudge', index, channel: n.channel, template: n.template, topic: n.topic ?? 'care', urgent: n.urgent ?? false, survey: n.survey ?? false, when }
    }
    const t = action.task
    const slaMs = durationAt(t.sla, `/actions/${index}/task/sla`, errors) ?? 0
    const fallback = t.fallback ? { channel: t.fallback.nudge.channel, template: t.fallback.nudge.template, topic: t.fallback.nudge.topic ?? 'care', thenTask: t.fallback.thenTask ?? true } : undefined
    return { kind: 'task', index, queue: t.queue, priority: t.priority, slaMs, title: t.title, skills: t.skills ?? [], fallback, when }
  })
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Default maximum age per kind of signal, by tag; the first tag of a rule that has one wins. */
const MAX_AGE_BY_TAG: ReadonlyMap<string, number> = new Map([
  ['browsing', 2 * HOUR],
  ['checkout', DAY],
  ['payments', DAY],
  ['delivery', 2 * DAY],
  ['complaints', 3 * DAY],
  ['returns', 7 * DAY],
])

function defaultMaxAge(doc: RuleDocument): number {
  for (const tag of doc.tags ?? []) {
    const ms = MAX_AGE_BY_TAG.get(tag)
    if (ms !== undefined) return ms
  }
  // A person can still help days later; a nudge about an old moment reads as a mistake.
  return doc.actions.every((a) => 'task' in a) ? 7 * DAY : 2 * DAY
}

/**
 * The errors of a document's conditions, read even when its shape is wrong, so that one round
 * shows every mistake (a typo in `per` does not hide a typo in an operator).
 */
function conditionErrors(document: unknown): FieldError[] {
  if (document === null || typeof document !== 'object') return []
  const errors: FieldError[] = []
  const info: ConditionInfo = { countWindows: new Map() }
  const check = (holder: unknown, path: string) => {
    if (holder !== null && typeof holder === 'object' && Object.hasOwn(holder, 'when')) compileCondition((holder as { when: unknown }).when, `${path}/when`, errors, info)
  }
  check(document, '')
  for (const key of ['triggers', 'actions'] as const) {
    const items: unknown = Object.hasOwn(document, key) ? (document as Record<string, unknown>)[key] : undefined
    if (Array.isArray(items)) items.slice(0, 50).forEach((item, i) => check(item, `/${key}/${i}`))
  }
  return errors
}

/** Validates and compiles one rule. Never throws on bad input: errors come back with paths. */
export function compileRule(record: { document: unknown; version?: number }): CompileResult {
  const shape = checkRuleShape(record.document)
  if (!shape.ok) return { ok: false, errors: [...shape.errors, ...conditionErrors(record.document)] }
  const doc = shape.document
  const errors: FieldError[] = []
  const info: ConditionInfo = { countWindows: new Map() }
  const triggers = compileTriggers(doc, errors, info)
  const when = optionalCondition(doc.when, '/when', errors, info)
  const actions = compileActions(doc, errors, info)
  const withdrawOn = (doc.withdrawOn ?? []).map((w, i): CompiledWithdraw => ({
    event: w.event,
    entity: w.entity,
    when: optionalCondition(w.when, `/withdrawOn/${i}/when`, errors, info),
  }))
  const guards = doc.guards ?? {}
  const cooldownMs = durationAt(guards.cooldown, '/guards/cooldown', errors)
  const maxAgeMs = durationAt(doc.maxAge, '/maxAge', errors) ?? defaultMaxAge(doc)
  if (guards.per === 'entity' && triggers.some((t) => t.kind === 'event' && t.entity === undefined)) {
    errors.push({ path: '/guards/per', message: 'per entity needs an entity on every event trigger' })
  }
  if (errors.length > 0) return { ok: false, errors }
  return {
    ok: true,
    rule: {
      id: doc.id,
      version: record.version ?? 1,
      name: doc.name,
      priority: doc.priority ?? 50,
      document: doc,
      triggers,
      when,
      actions,
      guard: { cooldownMs, once: guards.once ?? false, per: guards.per ?? 'customer' },
      holdout: doc.holdout ?? 0,
      maxAgeMs,
      countWindows: info.countWindows,
      withdrawOn,
    },
  }
}

/** Validation only: the errors compileRule would report, or none. */
export function validateRule(document: unknown): FieldError[] {
  const result = compileRule({ document })
  return result.ok ? [] : result.errors
}

export type { RuleRecord }
