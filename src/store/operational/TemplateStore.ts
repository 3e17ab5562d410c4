// Stored template edits and their version history. The shipped files stay the default; a stored
// version that is live overrides one template in one locale of one channel. Every change is a new
// version with who made it, and an audit row (entity type 'template', id channel/template/locale)
// written in the same transaction.
//
// Four eyes uses the same setting as rules (`approval` = { required }): without it a saved version
// is live at once; with it a saved version is a draft, the live version (or the file) keeps being
// sent until a second person approves the draft.
import type { ApprovalCandidate, ApprovalCheck, ApprovalOutcome, VersionStatus } from './approval.ts'
import { AuditStore, actorName, type Actor } from './AuditStore.ts'
import { APPROVAL_SETTING, DEFAULT_APPROVAL_POLICY, type ApprovalPolicy } from './RuleStore.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export interface TemplateKey {
  channel: string
  templateId: string
  locale: string
}

export interface TemplateVersion extends TemplateKey {
  version: number
  source: string
  status: VersionStatus
  createdBy: string
  createdAt: number
  approvedBy: string | null
  approvedAt: number | null
  /** The version this one restored, for a rollback. */
  rollbackOf: number | null
}

export const templateEntityId = (k: TemplateKey): string => `${k.channel}/${k.templateId}/${k.locale}`

interface Row {
  channel: string
  template_id: string
  locale: string
  version: number
  source: string
  status: VersionStatus
  created_by: string
  created_at: string | number
  approved_by: string | null
  approved_at: string | number | null
  rollback_of: number | null
}

const COLUMNS = 'channel, template_id, locale, version, source, status, created_by, created_at, approved_by, approved_at, rollback_of'
const KEY_WHERE = 'channel = $1 AND template_id = $2 AND locale = $3'
const keyParams = (k: TemplateKey): unknown[] => [k.channel, k.templateId, k.locale]

const toVersion = (r: Row): TemplateVersion => ({
  channel: r.channel,
  templateId: r.template_id,
  locale: r.locale,
  version: r.version,
  source: r.source,
  status: r.status,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  approvedBy: r.approved_by,
  approvedAt: r.approved_at === null ? null : Number(r.approved_at),
  rollbackOf: r.rollback_of,
})

export class TemplateStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly audit: AuditStore = new AuditStore(db),
  ) {}

  async approvalPolicy(db: SqlExecutor = this.db): Promise<ApprovalPolicy> {
    const result = await db.query<{ value: Partial<ApprovalPolicy> }>('SELECT value FROM settings WHERE key = $1', [APPROVAL_SETTING])
    return { ...DEFAULT_APPROVAL_POLICY, ...result.rows[0]?.value }
  }

  /** Every version of one template locale, newest first. */
  async versions(key: TemplateKey, db: SqlExecutor = this.db): Promise<TemplateVersion[]> {
    const result = await db.query<Row>(`SELECT ${COLUMNS} FROM template_versions WHERE ${KEY_WHERE} ORDER BY version DESC`, keyParams(key))
    return result.rows.map(toVersion)
  }

  async version(key: TemplateKey, version: number, db: SqlExecutor = this.db): Promise<TemplateVersion | undefined> {
    const result = await db.query<Row>(`SELECT ${COLUMNS} FROM template_versions WHERE ${KEY_WHERE} AND version = $4`, [...keyParams(key), version])
    return result.rows[0] ? toVersion(result.rows[0]) : undefined
  }

  /** The live version of one template locale, if one overrides the file. */
  async liveVersion(key: TemplateKey, db: SqlExecutor = this.db): Promise<TemplateVersion | undefined> {
    const result = await db.query<Row>(`SELECT ${COLUMNS} FROM template_versions WHERE ${KEY_WHERE} AND status = 'live'`, keyParams(key))
    return result.rows[0] ? toVersion(result.rows[0]) : undefined
  }

  /** Every live override (what real sends use instead of the files). */
  async live(): Promise<TemplateVersion[]> {
    const result = await this.db.query<Row>(`SELECT ${COLUMNS} FROM template_versions WHERE status = 'live' ORDER BY channel, template_id, locale`)
    return result.rows.map(toVersion)
  }

  /** Every template locale with stored versions, and whether one of them is live. */
  async keys(): Promise<Array<TemplateKey & { live: boolean }>> {
    const result = await this.db.query<{ channel: string; template_id: string; locale: string; live: boolean }>(
      `SELECT channel, template_id, locale, bool_or(status = 'live') AS live FROM template_versions GROUP BY channel, template_id, locale ORDER BY channel, template_id, locale`,
    )
    return result.rows.map((r) => ({ channel: r.channel, templateId: r.template_id, locale: r.locale, live: r.live }))
  }

  /**
   * Stores `source` as a new version: live at once without required approval, else a draft.
   * A newer version replaces older drafts (only the newest version can be approved).
   */
  async save(key: TemplateKey, source: string, actor: Actor, now: number): Promise<TemplateVersion> {
    return this.db.transaction(async (tx) => {
      const { required } = await this.approvalPolicy(tx)
      const saved = await this.write(tx, key, source, actor, now, { live: !required, approvedBy: null, rollbackOf: null })
      await this.audit.record(
        { at: now, actor, action: 'template.save', entityType: 'template', entityId: templateEntityId(key), version: saved.version, details: { status: saved.status } },
        tx,
      )
      return saved
    })
  }

  /** A version as four eyes judges it. */
  async approvalCandidate(key: TemplateKey, version: number, db: SqlExecutor = this.db): Promise<ApprovalCandidate | undefined> {
    const target = await this.version(key, version, db)
    return target && { version, author: target.createdBy, status: target.status, awaitingApproval: target.status === 'draft', approved: target.status === 'live' }
  }

  /** Approves `version` when `check` (four eyes, with the template locale locked) finds nothing against it; it goes live. */
  async approveIf<R>(key: TemplateKey, version: number, actor: Actor, now: number, check: ApprovalCheck<R>): Promise<ApprovalOutcome<TemplateVersion, R>> {
    return this.db.transaction(async (tx): Promise<ApprovalOutcome<TemplateVersion, R>> => {
      await this.lock(tx, key)
      const target = await this.approvalCandidate(key, version, tx)
      if (!target) return { status: 'not_found' }
      const refusal = check(target, await this.newest(tx, key))
      if (refusal !== undefined) return { status: 'refused', refusal }
      await tx.query(`UPDATE template_versions SET status = 'superseded' WHERE ${KEY_WHERE} AND status = 'live'`, keyParams(key))
      await tx.query(`UPDATE template_versions SET status = 'live', approved_by = $5, approved_at = $6 WHERE ${KEY_WHERE} AND version = $4`, [
        ...keyParams(key),
        version,
        actorName(actor),
        now,
      ])
      await this.audit.record(
        { at: now, actor, action: 'template.approve', entityType: 'template', entityId: templateEntityId(key), version, details: { author: target.author } },
        tx,
      )
      const approved = await this.version(key, version, tx)
      return approved ? { status: 'approved', value: approved } : { status: 'not_found' }
    })
  }

  /**
   * Stores a new version whose source is that of version `to`. It needs approval like any change,
   * unless approval is not required, or `selfApprove` holds (the caller may approve) and the
   * caller did not write the restored version: then the caller is the second person.
   */
  async rollback(key: TemplateKey, to: number, actor: Actor, now: number, options: { selfApprove?: boolean } = {}): Promise<TemplateVersion | 'not_found'> {
    return this.db.transaction(async (tx) => {
      const restored = await this.version(key, to, tx)
      if (!restored) return 'not_found'
      const { required } = await this.approvalPolicy(tx)
      const secondPerson = options.selfApprove === true && restored.createdBy !== actorName(actor)
      const live = !required || secondPerson
      const approvedBy = required && secondPerson ? actorName(actor) : null
      const saved = await this.write(tx, key, restored.source, actor, now, { live, approvedBy, rollbackOf: to })
      await this.audit.record(
        { at: now, actor, action: 'template.rollback', entityType: 'template', entityId: templateEntityId(key), version: saved.version, details: { to, status: saved.status, approvedBy } },
        tx,
      )
      return saved
    })
  }

  /** Serializes writers of one template locale (PostgreSQL server; PGlite has one connection). */
  private async lock(tx: SqlExecutor, key: TemplateKey): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`template:${templateEntityId(key)}`])
  }

  private async newest(tx: SqlExecutor, key: TemplateKey): Promise<number> {
    const result = await tx.query<{ v: number | null }>(`SELECT max(version) AS v FROM template_versions WHERE ${KEY_WHERE}`, keyParams(key))
    return Number(result.rows[0]?.v ?? 0)
  }

  private async write(
    tx: SqlExecutor,
    key: TemplateKey,
    source: string,
    actor: Actor,
    now: number,
    o: { live: boolean; approvedBy: string | null; rollbackOf: number | null },
  ): Promise<TemplateVersion> {
    await this.lock(tx, key)
    const version = (await this.newest(tx, key)) + 1
    // Older drafts are replaced by the new version; a new live version supersedes the old one.
    await tx.query(`UPDATE template_versions SET status = 'superseded' WHERE ${KEY_WHERE} AND (status = 'draft' OR ($4 AND status = 'live'))`, [...keyParams(key), o.live])
    const result = await tx.query<Row>(
      `INSERT INTO template_versions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [...keyParams(key), version, source, o.live ? 'live' : 'draft', actorName(actor), now, o.approvedBy, o.approvedBy === null ? null : now, o.rollbackOf],
    )
    return toVersion(result.rows[0] as Row)
  }
}
