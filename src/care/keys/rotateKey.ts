// Rotating a key: a new secret with the same name, role and source; the old one stops working at once.
import type { ApiKey } from '../../model/apiKey.ts'
import { newSecret, type KeyActor, type KeyDeps } from './keyInput.ts'

export type RotateKeyResult = { ok: true; key: ApiKey; secret: string; replaced: string } | { ok: false; reason: 'not_found' }

export async function rotateKey(deps: KeyDeps, input: { id: string; actor: KeyActor }): Promise<RotateKeyResult> {
  const current = await deps.ops.apiKeys.get(input.id)
  if (!current || current.revokedAt !== null) return { ok: false, reason: 'not_found' }
  const { secret, fields } = newSecret(current.role)
  const result = await deps.ops.apiKeys.rotate(input.id, fields, input.actor, deps.clock.now())
  return result.ok ? { ok: true, key: result.key, secret, replaced: input.id } : { ok: false, reason: 'not_found' }
}
