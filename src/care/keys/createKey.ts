// Creating an API key: the secret is returned this once and only its hash is kept.
import type { ApiKey, KeyRole } from '../../model/apiKey.ts'
import type { FieldError } from '../../rules/index.ts'
import { checkLabel, newSecret, type KeyActor, type KeyDeps } from './keyInput.ts'

export type CreateKeyResult = { ok: true; key: ApiKey; secret: string } | { ok: false; reason: 'invalid'; errors: FieldError[] } | { ok: false; reason: 'source_taken' }

export async function createKey(deps: KeyDeps, input: { name: string; role: KeyRole; source?: string | undefined; actor: KeyActor }): Promise<CreateKeyResult> {
  const errors = [checkLabel(input.name, '/name')]
  // Ingest keys are one per source, so the source names the key's sender; other roles have none.
  if (input.role === 'ingest') errors.push(input.source === undefined ? { path: '/source', message: 'is required for an ingest key' } : checkLabel(input.source, '/source'))
  else if (input.source !== undefined) errors.push({ path: '/source', message: 'is only for ingest keys' })
  const found = errors.filter((e): e is FieldError => e !== undefined)
  if (found.length > 0) return { ok: false, reason: 'invalid', errors: found }
  const { secret, fields } = newSecret(input.role)
  const result = await deps.ops.apiKeys.create({ ...fields, name: input.name, role: input.role, source: input.role === 'ingest' ? (input.source as string) : null }, input.actor, deps.clock.now())
  return result.ok ? { ok: true, key: result.key, secret } : { ok: false, reason: 'source_taken' }
}
