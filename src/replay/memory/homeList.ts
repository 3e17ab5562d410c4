// Where a customer's ledger list is written: the one kept with its stored state, or, when it has
// none stored, its list among those kept apart (created when first written to).

export function homeOrUnowned<T>(home: T[] | undefined, unowned: Map<string, T[]>, customerId: string): T[] {
  if (home !== undefined) return home
  let list = unowned.get(customerId)
  if (list === undefined) unowned.set(customerId, (list = []))
  return list
}
