// Closing the loop: resolve a task with an outcome; what the agent thinks should be automated goes
// to ops as feedback, and a satisfaction survey may go to the shopper. The task, its feedback, the
// survey and its email are written in one transaction, so a retry cannot half-do it.
import { deliveryRow } from '../channels/deliveries.ts'
import { surveyUrl, type LinkSettings } from '../channels/links.ts'
import type { Clock } from '../lib/clock.ts'
import { stableHash } from '../lib/hash.ts'
import type { MessageVars, OutboxPayload, Recipient, ShopInfo } from '../model/outbox.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { Feedback } from '../store/operational/FeedbackStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxInsert } from '../store/operational/OutboxStore.ts'
import type { TaskOutcome, TaskRecord } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'

export const SURVEY_TEMPLATE = 'csat-survey'
export const SURVEY_SCORES = [1, 2, 3, 4, 5] as const
/**
 * The survey goes out a day after the resolution: the agent usually spoke to the shopper today,
 * and one human contact keeps every other message away for the rest of the shopper's day (the
 * human_contact guard would skip a survey sent now). A day later the experience is still fresh.
 */
export const SURVEY_DELAY_MS = 24 * 3_600_000

export interface ResolveTaskDeps {
  ops: Pick<OperationalStore, 'db' | 'tasks' | 'feedback' | 'surveys' | 'outbox'>
  history: Pick<HistoryStore, 'append'>
  clock: Clock
  /** Signs the survey links; without it a resolve asking for a survey is refused. */
  links: LinkSettings | undefined
  /** Shop name and URL for the survey email. */
  shop: ShopInfo
}

export interface ResolveTaskInput {
  taskId: string
  agent: string
  /** Admins may resolve any unresolved task, claimed by them or not. */
  asAdmin: boolean
  outcome: TaskOutcome
  note?: string | undefined
  /** What careloop could do instead next time; goes to ops with the rule and template. */
  suggestion?: string | undefined
  /** Send the shopper a one-click satisfaction survey by email. */
  survey?: boolean | undefined
}

export type ResolveTaskResult =
  | { ok: true; task: TaskRecord; survey?: { id: string; outboxId: string } }
  | { ok: false; reason: 'not_found' | 'surveys_unavailable' | 'no_email' }
  | { ok: false; reason: 'already_resolved' | 'not_claimed_by_you'; task?: TaskRecord | undefined }

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const nonEmptyString = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

/** The template the task stands in for: its fallback nudge's, when the rule named one. */
const templateOf = (task: TaskRecord): string | null => nonEmptyString(obj(task.fallback).template) ?? nonEmptyString(obj(task.signal).template) ?? null

/** Who to ask and in which language, from the context the task was created with. */
function surveyRecipient(task: TaskRecord): { to: Recipient; customer: Obj; traits: Obj; locale: string } {
  const customer = obj(obj(task.context).customer)
  const traits = obj(customer.traits)
  const locale = nonEmptyString(customer.locale) ?? nonEmptyString(traits.locale) ?? task.language ?? 'en'
  return { to: { email: nonEmptyString(traits.email), name: nonEmptyString(traits.name) }, customer, traits, locale }
}

export function surveyMessage(task: TaskRecord, links: LinkSettings, shop: ShopInfo, now: number): { outbox: OutboxInsert; surveyId: string } {
  const idempotencyKey = `survey:${task.id}`
  // The survey and its email share the id: stableHash of the same key.
  const surveyId = stableHash(idempotencyKey)
  const { to, customer, traits, locale } = surveyRecipient(task)
  const trigger = obj(obj(task.context).trigger)
  const order = obj(task.context).order
  const vars: MessageVars = {
    customer: { id: task.customerId, name: to.name, email: to.email, locale, timezone: nonEmptyString(customer.timezone), traits },
    order: order && typeof order === 'object' ? (order as Obj) : undefined,
    event: { name: nonEmptyString(trigger.name) ?? task.title, ts: typeof trigger.ts === 'number' ? trigger.ts : task.createdAt, properties: obj(trigger.properties) },
    links: Object.fromEntries(SURVEY_SCORES.map((score) => [`survey${score}`, surveyUrl(links, surveyId, score)])),
    shop,
  }
  const payload: OutboxPayload = { locale, to, vars }
  return {
    surveyId,
    outbox: {
      id: surveyId, idempotencyKey, customerId: task.customerId, channel: 'email', template: SURVEY_TEMPLATE, topic: 'care', priority: 0, urgent: false,
      ruleId: task.ruleId, ruleVersion: task.ruleVersion, payload, nextAttemptAt: now + SURVEY_DELAY_MS, createdAt: now,
    },
  }
}

function feedbackRows(task: TaskRecord, input: ResolveTaskInput, now: number): Feedback[] {
  const base = { taskId: task.id, ruleId: task.ruleId, template: templateOf(task), author: input.agent, createdAt: now }
  const rows: Feedback[] = []
  if (input.outcome === 'should_be_automated') rows.push({ ...base, id: `${task.id}:should_be_automated`, kind: 'should_be_automated', body: input.note?.trim() ?? '' })
  const suggestion = input.suggestion?.trim()
  if (suggestion) rows.push({ ...base, id: `${task.id}:suggestion`, kind: 'suggestion', body: suggestion })
  return rows
}

export async function resolveTask(deps: ResolveTaskDeps, input: ResolveTaskInput): Promise<ResolveTaskResult> {
  const { ops, links } = deps
  const current = await ops.tasks.get(input.taskId)
  if (!current) return { ok: false, reason: 'not_found' }
  // Checked before anything is written: a survey that cannot go out must not half-resolve the task.
  if (input.survey && !links) return { ok: false, reason: 'surveys_unavailable' }
  if (input.survey && !surveyRecipient(current).to.email) return { ok: false, reason: 'no_email' }
  const now = deps.clock.now()
  const { resolved, message } = await ops.db.transaction(async (tx) => {
    const resolved = await ops.tasks.resolve(current.id, input.agent, input.outcome, input.note, now, input.asAdmin, tx)
    if (!resolved.ok) return { resolved }
    await ops.feedback.add(feedbackRows(resolved.task, input, now), tx)
    if (!input.survey || !links) return { resolved }
    const message = surveyMessage(resolved.task, links, deps.shop, now)
    await ops.surveys.create({ id: message.surveyId, customerId: current.customerId, taskId: current.id, outboxId: message.outbox.id, ruleId: current.ruleId, createdAt: now }, tx)
    await ops.outbox.insert([message.outbox], tx)
    return { resolved, message }
  })
  if (!resolved.ok) return resolved
  const task = resolved.task
  await deps.history.append({
    taskEvents: [taskEvent(task, 'resolved', input.agent, now, { note: input.note, suggestion: input.suggestion, survey: message?.surveyId ?? null })],
    deliveries: message ? [deliveryRow({ ...message.outbox, attempts: 0 }, 'queued', '', now, 0)] : [],
  })
  return message ? { ok: true, task, survey: { id: message.surveyId, outboxId: message.outbox.id } } : { ok: true, task }
}
