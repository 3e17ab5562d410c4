// Revoking a key: every process refuses it from the next request on (keys are looked up per request).
import type { ApiKey } from '../../model/apiKey.ts'
import type { KeyActor, KeyDeps } from './keyInput.ts'

export type RevokeKeyResult = { ok: true; key: ApiKey } | { ok: false; reason: 'not_found' }

export async function revokeKey(deps: KeyDeps, input: { id: string; actor: KeyActor }): Promise<RevokeKeyResult> {
  const result = await deps.ops.apiKeys.revoke(input.id, input.actor, deps.clock.now())
  return result.ok ? result : { ok: false, reason: 'not_found' }
}
