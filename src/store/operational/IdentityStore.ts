// The identity map: which known shopper an anonymous id became. Written only by the engine, in the
// commit of the anonymous id's owner (the one writer that seals it), so the first claim wins;
// a later different claim is kept as a conflict, visible and not applied (docs/identity.md).
import { multiRowInsert, runInserts, type SqlExecutor } from './SqlExecutor.ts'

export interface IdentityLink {
  anonymousId: string
  userId: string
  at: number
}

export interface IdentityWrites {
  links: readonly IdentityLink[]
  conflicts: readonly IdentityLink[]
}

export class IdentityStore {
  constructor(private readonly db: SqlExecutor) {}

  async write(writes: IdentityWrites, tx: SqlExecutor = this.db): Promise<void> {
    if (writes.links.length > 0) {
      await runInserts(tx, multiRowInsert('identity_links', ['anonymous_id', 'user_id', 'linked_at'], writes.links.map((l) => [l.anonymousId, l.userId, l.at]), 'ON CONFLICT (anonymous_id) DO NOTHING'))
    }
    if (writes.conflicts.length > 0) {
      await runInserts(tx, multiRowInsert('identity_conflicts', ['anonymous_id', 'user_id', 'seen_at'], writes.conflicts.map((l) => [l.anonymousId, l.userId, l.at]), 'ON CONFLICT (anonymous_id, user_id) DO NOTHING'))
    }
  }

  /** The known id an anonymous id was merged into, if any. */
  async knownIdOf(anonymousId: string): Promise<string | undefined> {
    const result = await this.db.query<{ user_id: string }>('SELECT user_id FROM identity_links WHERE anonymous_id = $1', [anonymousId])
    return result.rows[0]?.user_id
  }

  /** Anonymous ids merged into this known id, oldest link first. */
  async anonymousIdsOf(userId: string): Promise<string[]> {
    const result = await this.db.query<{ anonymous_id: string }>('SELECT anonymous_id FROM identity_links WHERE user_id = $1 ORDER BY linked_at, anonymous_id', [userId])
    return result.rows.map((r) => r.anonymous_id)
  }

  /** Claims refused because the anonymous id already belonged to someone else. */
  async conflicts(limit = 100): Promise<IdentityLink[]> {
    const result = await this.db.query<{ anonymous_id: string; user_id: string; seen_at: string | number }>(
      'SELECT anonymous_id, user_id, seen_at FROM identity_conflicts ORDER BY seen_at DESC, anonymous_id LIMIT $1',
      [limit],
    )
    return result.rows.map((r) => ({ anonymousId: r.anonymous_id, userId: r.user_id, at: Number(r.seen_at) }))
  }
}
