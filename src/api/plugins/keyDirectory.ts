// Managed keys as the doors see them: looked up by hash on every request, so a key revoked in one
// process is refused by every process sharing the store from the next request on (no cache to go
// stale). The last-use time is written at most once a minute per key and process.
import type { Logger } from 'pino'
import type { ApiKeyStore, KeyLookup } from '../../store/operational/ApiKeyStore.ts'

export const LAST_USED_EVERY_MS = 60_000

export class KeyDirectory {
  /** When this process last wrote each key's last use. */
  private readonly touched = new Map<string, number>()

  constructor(
    private readonly store: Pick<ApiKeyStore, 'find' | 'touch'>,
    private readonly now: () => number,
    private readonly log?: Pick<Logger, 'warn'>,
  ) {}

  async lookup(hash: string): Promise<KeyLookup | undefined> {
    const key = await this.store.find(hash)
    if (key && key.revokedAt === null) this.used(hash)
    return key
  }

  private used(hash: string): void {
    const at = this.now()
    const last = this.touched.get(hash)
    if (last !== undefined && at - last < LAST_USED_EVERY_MS) return
    this.touched.set(hash, at)
    // Not awaited: a request never waits on (or fails with) the bookkeeping of its key's last use.
    this.store.touch(hash, at, LAST_USED_EVERY_MS).catch((err: unknown) => this.log?.warn({ err }, 'could not record an API key’s last use'))
  }
}
