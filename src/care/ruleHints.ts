// Hints for rule authors, beside the errors: event names a rule waits for that the shop has not
// sent in the last 30 days, and event properties it tests that recent events of its trigger do not
// carry — each with the nearest name that was seen ("Payment Faild" → "Payment Failed"). A hint
// never refuses a rule: a new event may simply not have happened yet.
import type { Clock } from '../lib/clock.ts'
import type { FieldError, RuleDocument } from '../rules/index.ts'
import { didYouMean } from '../rules/suggest.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'

export const HINT_WINDOW_MS = 30 * 86_400_000
/** Most event names read; a shop with more still gets hints among its most frequent ones. */
const NAME_LIMIT = 2_000
/** Latest events of the trigger read for their property names. */
const PROPERTY_SAMPLE = 200
/** Names every careloop knows whatever the shop sent: the other Segment calls as events. */
const CALL_EVENTS = ['Identify', 'Page Viewed', 'Screen Viewed', 'Alias', 'Group']

export interface RuleHintDeps {
  history: Pick<HistoryStore, 'seenEvents' | 'seenProperties'>
  clock: Clock
}

interface Named {
  name: string
  path: string
}

/** Visits every leaf of a condition tree (through all / any / not) with its JSON pointer. */
function eachLeaf(node: unknown, path: string, visit: (leaf: Record<string, unknown>, path: string) => void, depth = 0): void {
  if (depth > 32 || node === null || typeof node !== 'object') return
  const n = node as Record<string, unknown>
  for (const kind of ['all', 'any'] as const) {
    const items = n[kind]
    if (Array.isArray(items)) items.forEach((item, i) => eachLeaf(item, `${path}/${kind}/${i}`, visit, depth + 1))
  }
  if (Object.hasOwn(n, 'not')) eachLeaf(n.not, `${path}/not`, visit, depth + 1)
  visit(n, path)
}

/** Event names a condition tree counts, with their paths. */
function countedEvents(node: unknown, path: string, out: Named[]): void {
  eachLeaf(node, path, (n, at) => {
    const count = n.count as { event?: unknown } | undefined
    if (count && typeof count.event === 'string') out.push({ name: count.event, path: `${at}/count/event` })
  })
}

/** `properties.<name>` facts a condition tree tests, with their paths. */
function propertyFacts(node: unknown, path: string, out: Named[]): void {
  eachLeaf(node, path, (n, at) => {
    if (typeof n.fact === 'string' && n.fact.startsWith('properties.')) out.push({ name: n.fact.slice('properties.'.length).split('.')[0] ?? '', path: `${at}/fact` })
  })
}

/** The hints for a valid rule document, against what the shop sent in the last 30 days. */
export async function ruleHints(doc: RuleDocument, deps: RuleHintDeps): Promise<FieldError[]> {
  const since = deps.clock.now() - HINT_WINDOW_MS
  const seenList = await deps.history.seenEvents(since, NAME_LIMIT)
  // A shop that has sent nothing yet gets no hints: every name would look unknown.
  if (seenList.length === 0) return []
  const seen = new Set([...seenList.map((e) => e.name), ...CALL_EVENTS])
  const names: Named[] = []
  const triggerEvents: string[] = []
  doc.triggers.forEach((trigger, i) => {
    if ('event' in trigger) {
      names.push({ name: trigger.event, path: `/triggers/${i}/event` })
      triggerEvents.push(trigger.event)
    } else if ('absence' in trigger) {
      trigger.absence.start.forEach((name, j) => names.push({ name, path: `/triggers/${i}/absence/start/${j}` }))
      trigger.absence.awaited.forEach((name, j) => names.push({ name, path: `/triggers/${i}/absence/awaited/${j}` }))
    }
    if ('when' in trigger) countedEvents(trigger.when, `/triggers/${i}/when`, names)
  })
  countedEvents(doc.when, '/when', names)
  const hints: FieldError[] = names
    .filter((n) => !seen.has(n.name))
    .map((n) => ({ path: n.path, message: `"${n.name}" was not sent in the last 30 days${didYouMean(n.name, seen)}` }))

  // Property names are checked against the trigger's events only when the rule has one trigger event that was seen.
  const [only] = [...new Set(triggerEvents)]
  if (new Set(triggerEvents).size === 1 && only !== undefined && seen.has(only) && !CALL_EVENTS.includes(only)) {
    const facts: Named[] = []
    doc.triggers.forEach((trigger, i) => 'when' in trigger && propertyFacts(trigger.when, `/triggers/${i}/when`, facts))
    propertyFacts(doc.when, '/when', facts)
    if (facts.length > 0) {
      const keys = await deps.history.seenProperties(only, since, PROPERTY_SAMPLE)
      if (keys.length > 0) {
        for (const fact of facts.filter((f) => f.name !== '' && !keys.includes(f.name))) {
          const near = didYouMean(fact.name, keys)
          hints.push({ path: fact.path, message: `recent "${only}" events have no property "${fact.name}"${near.replace(/"([^"]*)"\?$/, '"properties.$1"?')}` })
        }
      }
    }
  }
  return hints
}
