// The hand-off as plain text for a helpdesk ticket: why the task exists, the suggested opening
// line, and the shopper's recent activity — what the console's hand-off page shows, for agents
// who work in Chatwoot or Zendesk.
import type { buildHandoff } from '../buildHandoff.ts'

export type Handoff = NonNullable<Awaited<ReturnType<typeof buildHandoff>>>

const RECENT = 10
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

export function handoffText(h: Handoff): string {
  const { task, customer, trigger } = h
  const traits = customer.traits as Record<string, unknown>
  const event = (trigger.event ?? {}) as Record<string, unknown>
  const lines = [
    `${task.title} (careloop task ${task.id}, queue ${task.queue}, priority ${task.priority})`,
    '',
    `Why: rule ${task.ruleId} v${task.ruleVersion}${str(event.name) ? `, after "${String(event.name)}"` : ''}${typeof event.ts === 'number' ? ` at ${new Date(event.ts).toISOString()}` : ''}.`,
    `SLA due: ${new Date(task.slaDueAt).toISOString()}`,
    `Shopper: ${[str(traits.name), str(traits.email), str(traits.phone), customer.id].filter(Boolean).join(' · ')}`,
    '',
    `Suggested opening: ${h.suggestedOpening.text}`,
    '',
    'Recent activity:',
    ...(h.timeline.length === 0 ? ['  (none recorded)'] : h.timeline.slice(0, RECENT).map((e) => `  ${new Date(e.ts).toISOString()}  ${clip(String(e.name), 120)}`)),
  ]
  if (h.notes.length > 0) lines.push('', 'Notes:', ...h.notes.slice(0, RECENT).map((n) => `  ${n.author}: ${clip(n.body, 300)}`))
  return lines.join('\n')
}

/** One line for a later transition of the task, as a private note on the ticket. */
export function transitionNote(event: string, task: Record<string, unknown>, previous: Record<string, unknown> | undefined): string {
  const who = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : 'nobody')
  switch (event) {
    case 'task.claimed':
      return `careloop: claimed by ${who(task.claimed_by)}`
    case 'task.released':
      return `careloop: released by ${who(previous?.claimed_by)}, back in queue ${String(task.queue)}`
    case 'task.reassigned':
      return `careloop: reassigned to ${task.claimed_by ? String(task.claimed_by) : `queue ${String(task.queue)}`}`
    case 'task.snoozed':
      return `careloop: snoozed until ${typeof task.snoozed_until === 'number' ? new Date(task.snoozed_until).toISOString() : '?'}`
    case 'task.escalated':
      return `careloop: escalated (priority ${String(task.priority)}, queue ${String(task.queue)})`
    case 'task.resolved':
      return `careloop: resolved by ${who(task.resolved_by)} — ${String(task.outcome ?? '')}${task.note ? `: ${String(task.note)}` : ''}`
    default:
      return `careloop: ${event}`
  }
}
