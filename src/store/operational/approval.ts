// What the stores of versioned things (rules, template locales) tell the four-eyes approval: the
// version asked for, and how an approval inside their transaction came out. The decision itself
// is src/care/approveVersion.ts; the stores lock, read and write.

/** draft: newest, awaiting approval; approved: may go live; live: what runs; superseded: history. */
export type VersionStatus = 'draft' | 'approved' | 'live' | 'superseded'

/** A version as four eyes judges it. */
export interface ApprovalCandidate {
  version: number
  author: string
  status: VersionStatus
  /** Still waiting for a second person (a rule's unapproved version, a template's draft). */
  awaitingApproval: boolean
  /** Approved already, by a second person or because no approval was required. */
  approved: boolean
}

/** Decides, with the subject locked, whether `candidate` may be approved: undefined = yes. */
export type ApprovalCheck<R> = (candidate: ApprovalCandidate, newest: number) => R | undefined

export type ApprovalOutcome<V, R> = { status: 'approved'; value: V } | { status: 'refused'; refusal: R } | { status: 'not_found' }
