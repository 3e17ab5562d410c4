// The identity map: which known shopper an anonymous id became. Written only by the engine, in the
// commit of the anonymous id's owner (the one writer that seals it), so the first claim wins;
// a later different claim is kept as a conflict, visible and not applied (docs/identity.md).
import { multiRowInsert, runInserts, type SqlExecutor } from './SqlExecutor.ts'

export interface IdentityLink {
  anonymousId: string
  userId: string
  at: number
}

/** A refused claim: `userId` claimed `anonymousId`, which was already linked to `linkedTo`. */
export interface IdentityConflict extends IdentityLink {
  linkedTo: string | null
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
  async conflicts(limit = 100): Promise<IdentityConflict[]> {
    const result = await this.db.query<{ anonymous_id: string; user_id: string; seen_at: string | number; linked_to: string | null }>(
      `SELECT c.anonymous_id, c.user_id, c.seen_at, l.user_id AS linked_to
         FROM identity_conflicts c LEFT JOIN identity_links l ON l.anonymous_id = c.anonymous_id
        ORDER BY c.seen_at DESC, c.anonymous_id, c.user_id LIMIT $1`,
      [limit],
    )
    return result.rows.map((r) => ({ anonymousId: r.anonymous_id, userId: r.user_id, at: Number(r.seen_at), linkedTo: r.linked_to }))
  }
}
