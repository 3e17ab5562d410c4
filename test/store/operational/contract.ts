// Behaviour every operational-store backend must show: run against PGlite (embedded) and a
// PostgreSQL server. Each describe block gets a fresh, migrated, empty store from `open`; one
// file per store under contract/.
import { describe } from 'vitest'
import type { OperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { apiKeysContract } from './contract/apiKeys.ts'
import { contactsContract } from './contract/contacts.ts'
import { engineContract } from './contract/engine.ts'
import { escalationContract } from './contract/escalation.ts'
import { eventLogContract } from './contract/eventLog.ts'
import { deadLettersContract } from './contract/deadLetters.ts'
import { contractContext, type ContractOptions } from './contract/fixtures.ts'
import { inboxContract } from './contract/inbox.ts'
import { outboxContract } from './contract/outbox.ts'
import { privacyContract } from './contract/privacy.ts'
import { queuesContract } from './contract/queues.ts'
import { rulesContract } from './contract/rules.ts'
import { settingsContract } from './contract/settings.ts'
import { sqlAdapterContract } from './contract/sql.ts'
import { tasksContract } from './contract/tasks.ts'
import { templatesContract } from './contract/templates.ts'
import { workListContract } from './contract/workList.ts'

export function operationalStoreContract(name: string, open: () => Promise<OperationalStore>, options: ContractOptions = {}): void {
  const context = contractContext(open, options)
  describe(`OperationalStore contract: ${name}`, () => {
    sqlAdapterContract(context)
    eventLogContract(context)
    engineContract(context)
    outboxContract(context)
    deadLettersContract(context)
    privacyContract(context)
    tasksContract(context)
    workListContract(context)
    escalationContract(context)
    queuesContract(context)
    contactsContract(context)
    inboxContract(context)
    rulesContract(context)
    templatesContract(context)
    settingsContract(context)
    apiKeysContract(context)
  })
}
