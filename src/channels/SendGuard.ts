// Gathers what the send-time guards need (consent, the shopper's contact record, competing
// messages, the policy), asks the pure evaluator, and reserves the contact when the verdict is
// "send" — all under a per-shopper lock, so two dispatchers cannot both slip under a cap.
import { consentAnswer } from '../model/consent.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'
import type { SettingsStore } from '../store/operational/SettingsStore.ts'
import { companionsOf, digestSetting } from './digest/gather.ts'
import { contactHorizon, DEFAULT_GUARD_POLICY, evaluateGuards, GUARD_POLICY_SETTING, type GuardPolicy, type GuardVerdict } from './guards/index.ts'

/** The stored policy over the defaults (a stored policy may predate newer fields). */
export async function loadGuardPolicy(settings: Pick<SettingsStore, 'get'>): Promise<GuardPolicy> {
  const stored = await settings.get<Partial<GuardPolicy>>(GUARD_POLICY_SETTING)
  return { ...DEFAULT_GUARD_POLICY, ...stored }
}

export class SendGuard {
  constructor(private readonly ops: OperationalStore) {}

  /** `aliases`: the shopper's other ids (an anonymous id merged into them); a no given under any counts, and so does an opt-in. */
  async check(message: OutboxRecord, policy: GuardPolicy, now: number, aliases: readonly string[] = []): Promise<GuardVerdict> {
    const { ops } = this
    const choices = []
    for (const id of [message.customerId, ...aliases]) choices.push(...(await ops.consent.list(id)))
    const consent = consentAnswer(choices, message.channel, message.topic, policy.consentDefaults)
    return ops.db.transaction(async (tx) => {
      await ops.contacts.lockCustomer(tx, message.customerId)
      const [competitors, contacts] = await Promise.all([
        ops.outbox.unsent(message.customerId, message.id, tx),
        ops.contacts.since(message.customerId, contactHorizon(now, policy), tx),
      ])
      const verdict = evaluateGuards({ message, timezone: message.payload.vars.customer.timezone, now, consent, competitors, contacts }, policy)
      if (verdict.verdict === 'send') {
        await ops.contacts.record(
          {
            id: message.id,
            customerId: message.customerId,
            channel: message.channel,
            kind: 'automated',
            topic: message.topic,
            sourceId: message.idempotencyKey,
            actor: message.ruleId,
            priority: message.priority,
            at: now,
          },
          tx,
        )
      }
      return verdict
    })
  }

  /**
   * The shopper's other leased messages that go out in one digest with `lead` (which has passed
   * its guards and holds the contact): none when no digest is configured for its topic and channel.
   */
  async companions(lead: OutboxRecord, candidates: readonly OutboxRecord[], policy: GuardPolicy, now: number, aliases: readonly string[] = []): Promise<OutboxRecord[]> {
    const setting = digestSetting(policy, lead.topic, lead.channel)
    if (setting === undefined || candidates.length === 0) return []
    const { ops } = this
    const choices = []
    // A no given under any id a companion was decided for counts too.
    for (const id of new Set([lead.customerId, ...aliases, ...candidates.map((m) => m.customerId)])) choices.push(...(await ops.consent.list(id)))
    const consent = consentAnswer(choices, lead.channel, lead.topic, policy.consentDefaults)
    const contacts = await ops.contacts.since(lead.customerId, contactHorizon(now, policy))
    return companionsOf({ lead, candidates, setting, timezone: lead.payload.vars.customer.timezone, now, consent, contacts }, policy)
  }

  /** The send failed: the shopper was not contacted after all. */
  release(message: OutboxRecord): Promise<void> {
    return this.ops.contacts.remove(message.id, message.customerId)
  }
}
