// The agents' work list: list, claim and claim-next, release, reassign, snooze, notes, contacts,
// resolve with outcomes, feedback for ops. Registered by server.ts as `taskRoutes`.
import type { Metrics } from '../../../lib/metrics.ts'
import type { FastifyInstance } from 'fastify'
import type { LinkSettings } from '../../../channels/links.ts'
import type { Clock } from '../../../lib/clock.ts'
import type { HistoryStore } from '../../../store/history/HistoryStore.ts'
import type { ContactStore } from '../../../store/operational/ContactStore.ts'
import { FeedbackStore } from '../../../store/operational/FeedbackStore.ts'
import type { OperationalStore } from '../../../store/operational/OperationalStore.ts'
import { OutboxStore } from '../../../store/operational/OutboxStore.ts'
import { QueueStore } from '../../../store/operational/QueueStore.ts'
import { SurveyStore } from '../../../store/operational/SurveyStore.ts'
import { TaskNoteStore } from '../../../store/operational/TaskNoteStore.ts'
import type { TaskStore } from '../../../store/operational/TaskStore.ts'
import type { ShopInfo } from '../../../model/outbox.ts'
import { actionRoutes } from './actions.ts'
import { listRoutes } from './list.ts'
import { resolveRoutes } from './resolve.ts'
import type { WorkListDeps } from './shared.ts'

export interface TaskRouteOptions {
  tasks: TaskStore
  contacts: ContactStore
  history: HistoryStore
  clock: Clock
  /** The operational store (agents, outbox). Without it they are read through the task store's connection. */
  ops?: OperationalStore
  /** Signs the one-click survey links; without it `resolve { survey: true }` answers 503. */
  links?: LinkSettings
  /** Shop name and URL for the survey email. */
  shop?: ShopInfo
  /** Time from a task becoming available to its claim. */
  metrics?: Metrics
}

export async function taskRoutes(app: FastifyInstance, options: TaskRouteOptions): Promise<void> {
  // Notes, surveys and feedback live in the same database as the tasks.
  const db = options.ops?.db ?? options.tasks.db
  const deps: WorkListDeps = {
    tasks: options.tasks,
    contacts: options.contacts,
    history: options.history,
    clock: options.clock,
    notes: options.ops?.notes ?? new TaskNoteStore(db),
    feedback: new FeedbackStore(db),
    surveys: new SurveyStore(db),
    outbox: options.ops?.outbox ?? new OutboxStore(db),
    queues: options.ops?.queues ?? new QueueStore(db),
    links: options.links,
    shop: options.shop ?? { name: '', url: '' },
    metrics: options.metrics,
  }
  await listRoutes(app, deps)
  await actionRoutes(app, deps)
  await resolveRoutes(app, deps)
}
