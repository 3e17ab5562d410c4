// Four eyes: a second person approves the newest version of a rule or of one template locale, and
// it goes live. Its author may never approve it, whatever their role; only approvers and admins
// approve; and only the newest version, while it still waits for approval.
import { actorName, actorRole, type Actor } from '../store/operational/AuditStore.ts'
import type { ApprovalCandidate, ApprovalCheck, ApprovalOutcome, VersionStatus } from '../store/operational/approval.ts'
import type { RuleStore, StoredRule } from '../store/operational/RuleStore.ts'
import { templateEntityId, type TemplateKey, type TemplateStore, type TemplateVersion } from '../store/operational/TemplateStore.ts'

export type ApprovalRefusal =
  | { refused: 'own_change'; version: number; author: string }
  | { refused: 'not_newest'; version: number; newest: number }
  | { refused: 'already_approved'; version: number }
  | { refused: 'not_draft'; version: number; status: VersionStatus }

/** A versioned thing a second person approves: a rule, or one locale of a template. */
export interface Approvable<V> {
  /** What it is, e.g. "rule vip-basket" or "email/long-dwell/en". */
  name: string
  /** How a refusal names one of its versions. */
  versionLabel(version: number): string
  candidate(version: number): Promise<ApprovalCandidate | undefined>
  approveIf(version: number, actor: Actor, now: number, check: ApprovalCheck<ApprovalRefusal>): Promise<ApprovalOutcome<V, ApprovalRefusal>>
}

export function ruleApproval(rules: RuleStore, id: string): Approvable<StoredRule> {
  return {
    name: `rule ${id}`,
    versionLabel: (version) => `version ${version}`,
    candidate: (version) => rules.approvalCandidate(id, version),
    approveIf: (version, actor, now, check) => rules.approveIf(id, version, actor, now, check),
  }
}

export function templateApproval(templates: TemplateStore, key: TemplateKey): Approvable<TemplateVersion> {
  const name = templateEntityId(key)
  return {
    name,
    versionLabel: (version) => `version ${version} of ${name}`,
    candidate: (version) => templates.approvalCandidate(key, version),
    approveIf: (version, actor, now, check) => templates.approveIf(key, version, actor, now, check),
  }
}

/** The four-eyes rule for `approver`, judged with the subject locked. */
export function fourEyes(approver: string): ApprovalCheck<ApprovalRefusal> {
  return (candidate, newest) => {
    const { version } = candidate
    if (!candidate.awaitingApproval) return candidate.approved ? { refused: 'already_approved', version } : { refused: 'not_draft', version, status: candidate.status }
    if (version !== newest) return { refused: 'not_newest', version, newest }
    if (candidate.author === approver) return { refused: 'own_change', version, author: candidate.author }
    return undefined
  }
}

const APPROVER_ROLES: readonly string[] = ['approver', 'admin']

/** Approvers and admins may be the second person. */
export const mayApprove = (actor: Actor): boolean => APPROVER_ROLES.includes(actorRole(actor) ?? '')

export type ApproveVersionResult<V> =
  | { ok: true; value: V }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'forbidden'; role: string | null }
  | { ok: false; reason: 'refused'; refusal: ApprovalRefusal }

export async function approveVersion<V>(subject: Approvable<V>, input: { version: number; actor: Actor; now: number }): Promise<ApproveVersionResult<V>> {
  const { version, actor } = input
  const approver = actorName(actor)
  // Its author hears about four eyes first, whatever their role; then the role is checked.
  const candidate = await subject.candidate(version)
  if (candidate && candidate.awaitingApproval && candidate.author === approver) {
    return { ok: false, reason: 'refused', refusal: { refused: 'own_change', version, author: candidate.author } }
  }
  if (!mayApprove(actor)) return { ok: false, reason: 'forbidden', role: actorRole(actor) }
  const outcome = await subject.approveIf(version, actor, input.now, fourEyes(approver))
  if (outcome.status === 'approved') return { ok: true, value: outcome.value }
  if (outcome.status === 'refused') return { ok: false, reason: 'refused', refusal: outcome.refusal }
  return { ok: false, reason: 'not_found' }
}
