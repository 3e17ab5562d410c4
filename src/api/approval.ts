// The one mapping of a four-eyes approval's outcome to HTTP, for rules and templates alike.
import type { Approvable, ApprovalRefusal, ApproveVersionResult } from '../care/approveVersion.ts'
import { HttpError } from './errors.ts'

export function approvalRefusalError(subject: Pick<Approvable<unknown>, 'versionLabel'>, r: ApprovalRefusal): HttpError {
  const label = subject.versionLabel(r.version)
  switch (r.refused) {
    case 'own_change':
      return new HttpError(409, 'own_change', `${label} was written by ${r.author}: a second person must approve it`)
    case 'not_newest':
      return new HttpError(409, 'not_newest', `${label} is not the newest version (${r.newest}); approve the newest version`)
    case 'already_approved':
      return new HttpError(409, 'already_approved', `${label} is already approved`)
    case 'not_draft':
      return new HttpError(409, 'not_draft', `${label} is ${r.status}, not a draft awaiting approval`)
  }
}

/** The approved value, or the HTTP error the outcome means. */
export function approvedOrThrow<V>(subject: Approvable<V>, version: number, result: ApproveVersionResult<V>): V {
  if (result.ok) return result.value
  switch (result.reason) {
    case 'not_found':
      throw new HttpError(404, 'not_found', `no version ${version} of ${subject.name}`)
    case 'forbidden':
      throw new HttpError(403, 'forbidden', `role ${result.role} may not approve (needs approver or admin)`)
    case 'refused':
      throw approvalRefusalError(subject, result.refusal)
  }
}
