// Sends due task-webhook deliveries and helpdesk mirrors every second (docs/webhooks.md). The
// delivery rows are written with the transitions themselves, so this job only drains them.
import type { Logger } from 'pino'
import { createOpenerRenderer } from '../channels/templates/openers.ts'
import { createHelpdeskMirror, type HelpdeskMirrorDeps } from '../care/helpdesk/mirrorTask.ts'
import { deliverAllDue, type DeliveryPolicy, type DeliveryRun, type HelpdeskMirror } from '../care/webhooks/deliverTaskWebhooks.ts'
import type { Clock } from '../lib/clock.ts'

export interface TaskWebhookJobDeps {
  ops: HelpdeskMirrorDeps['ops']
  history: HelpdeskMirrorDeps['history']
  clock: Clock
  logger: Pick<Logger, 'warn'>
  shop: { name: string; url: string }
  policy?: Partial<DeliveryPolicy>
  random?: () => number
}

export class TaskWebhookJob {
  private readonly mirror: HelpdeskMirror

  constructor(private readonly deps: TaskWebhookJobDeps) {
    this.mirror = createHelpdeskMirror({ ops: deps.ops, history: deps.history, clock: deps.clock, shop: deps.shop, openers: createOpenerRenderer() })
  }

  run(): Promise<DeliveryRun> {
    const { ops, clock, logger, policy, random } = this.deps
    return deliverAllDue({ ops, clock, logger, mirror: this.mirror, policy, random })
  }
}
