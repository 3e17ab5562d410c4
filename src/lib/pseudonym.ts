// The pseudonymous reference an erased shopper leaves behind (on tasks, audit rows, suppressions):
// stable for the same id, so a suppression can match a later event, and not reversible.
import { stableHash } from './hash.ts'

export const ERASED_PREFIX = 'erased:'

export const erasedReference = (customerId: string): string => `${ERASED_PREFIX}${stableHash(customerId, 32)}`

/** The reference itself when `idOrReference` already is one, else the reference of that id. */
export const referenceOf = (idOrReference: string): string =>
  /^erased:[0-9a-f]{32}$/.test(idOrReference) ? idOrReference : erasedReference(idOrReference)
