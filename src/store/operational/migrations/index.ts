// Migrations from version 14 on, one file each (the first thirteen are in ../migrations.ts).
// Append the import and the list entry in version order; never edit an applied migration.
import type { Migration } from '../migration.ts'
import { v018TaskWebhooks } from './v018-task-webhooks.ts'
import { v019DeadLetterResends } from './v019-dead-letter-resends.ts'
import { v020OutboxEntity } from './v020-outbox-entity.ts'
import { v023StateFillfactor } from './v023-state-fillfactor.ts'
import { v025FeedbackHandled } from './v025-feedback-handled.ts'
import { v026ScheduleDue } from './v026-schedule-due.ts'
import { v027StateZoneDropped } from './v027-state-zone-dropped.ts'
import { v028HistorySpool } from './v028-history-spool.ts'

export const laterMigrations: Migration[] = [v018TaskWebhooks, v019DeadLetterResends, v020OutboxEntity, v023StateFillfactor, v025FeedbackHandled, v026ScheduleDue, v027StateZoneDropped, v028HistorySpool]
