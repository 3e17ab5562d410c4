// Ids the sandbox store remembers for ever, as the SQL store does: finished timers (never re-armed)
// and the idempotency keys of outbox rows and tasks (a decision never queues twice). None of them can
// be forgotten by time: a timer id is rule, trigger, customer and entity (the same cart can start the
// same wait again next week), and a key names the triggering message (a copy of it can arrive later
// than any window). What bounds them is that each names its customer: it is kept with that customer's
// state, in memory while the state is held and in the state's temp-file record when it is spilled.
//
// Exact by construction: the owner is read from the id alone (`ownerOf`), and an id is kept with its
// owner only when the row it came with is the owner's; any other id (a customer id with a colon that
// is not `anon:`'s, an id of no known shape, a customer without a stored state) is kept here for
// ever. Every id is therefore in `unowned` or in the ledger of `ownerOf(id)`, and `has` looks in both.
import { anonymousCustomerId } from '../../model/identity.ts'

const ANONYMOUS_PREFIX = anonymousCustomerId('')

/** T: a finished timer; O: an outbox row's idempotency key; K: a task's. */
export type IdKind = 'T' | 'O' | 'K'

/** Where customers' ledgers live (the engine store: with their states, held or spilled). */
export interface LedgerHome {
  /**
   * The ledger of a customer whose state is stored, or undefined when none is. `write`: the one
   * kept with the state (a spilled state is read back into memory); otherwise possibly a copy.
   */
  ledgerOf(customerId: string, write: boolean): Set<string> | undefined
}

/** The customer segment at the start of `rest`: up to its first colon, or its second after `anon:`. */
function customerAt(rest: string): string | undefined {
  const from = rest.startsWith(ANONYMOUS_PREFIX) ? ANONYMOUS_PREFIX.length : 0
  const end = rest.indexOf(':', from)
  return end <= 0 ? undefined : rest.slice(0, end)
}

const DWELL_PREFIX = ':dwell:'
const VERSION = /^[^:]*:v\d+:/

/**
 * The customer an id names. Timer ids are `rule#trigger:customer:entity` or `:dwell:customer:view`
 * (src/stream/engine/timers.ts, dwellMoments.ts); keys are `rule:vN:customer:kind:trigger:aN…`
 * (signalIdOf in src/rules/decide.ts). Rule ids have no colon (src/rules/document.ts).
 */
export function ownerOf(kind: IdKind, id: string): string | undefined {
  if (kind === 'T') {
    if (id.startsWith(DWELL_PREFIX)) return customerAt(id.slice(DWELL_PREFIX.length))
    const at = id.indexOf(':')
    return at < 0 ? undefined : customerAt(id.slice(at + 1))
  }
  const version = VERSION.exec(id)
  return version === null ? undefined : customerAt(id.slice(version[0].length))
}

export class RememberedIds {
  /** Ids not kept with their owner's state (none in a trace whose customer ids have no stray colon). */
  readonly unowned = new Set<string>()

  constructor(private readonly home: LedgerHome) {}

  has(kind: IdKind, id: string): boolean {
    const entry = kind + id
    if (this.unowned.has(entry)) return true
    const owner = ownerOf(kind, id)
    return owner !== undefined && (this.home.ledgerOf(owner, false)?.has(entry) ?? false)
  }

  /** Remembers an id that came with a row of `customerId`. */
  add(kind: IdKind, id: string, customerId: string): void {
    const entry = kind + id
    const ledger = ownerOf(kind, id) === customerId ? this.home.ledgerOf(customerId, true) : undefined
    if (ledger === undefined) this.unowned.add(entry)
    else ledger.add(entry)
  }
}
