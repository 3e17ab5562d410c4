// The managed API keys, without their secrets (only hashes are kept).
import type { ApiKey } from '../../model/apiKey.ts'
import type { KeyDeps } from './keyInput.ts'

export async function listKeys(deps: Pick<KeyDeps, 'ops'>, input: { includeRevoked: boolean }): Promise<ApiKey[]> {
  return deps.ops.apiKeys.list({ includeRevoked: input.includeRevoked })
}
