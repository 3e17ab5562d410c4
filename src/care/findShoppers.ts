// The console's shopper search: an exact customer id, or an email address (any case) matched
// against the profiles' email trait.
import type { CustomerState } from '../model/customer.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface FindShoppersDeps {
  ops: { engine: Pick<OperationalStore['engine'], 'customerIdsByEmail' | 'loadStates'> }
}

export interface ShopperMatch {
  customerId: string
  name: string | null
  email: string | null
}

const MAX_MATCHES = 20

const traitText = (state: CustomerState, key: string): string | null => {
  const value = Object.hasOwn(state.traits, key) ? state.traits[key] : undefined
  return typeof value === 'string' ? value : null
}

export async function findShoppers(deps: FindShoppersDeps, input: { query: string }): Promise<{ matches: ShopperMatch[] }> {
  const query = input.query.trim()
  if (query.length === 0) return { matches: [] }
  const byEmail = query.includes('@') ? await deps.ops.engine.customerIdsByEmail(query, MAX_MATCHES) : []
  const ids = [...new Set([query, ...byEmail])]
  const states = await deps.ops.engine.loadStates(ids)
  const matches = ids.flatMap((id) => {
    const state = states.get(id)
    return state === undefined ? [] : [{ customerId: id, name: traitText(state, 'name'), email: traitText(state, 'email') }]
  })
  return { matches }
}
