// Rules and their version history. Every change is a new version row with who made it, and an
// audit row written in the same transaction.
//
// The `rules` row holds the newest version (what an editor works on) and, apart from it, the live
// version: the one the engine runs while the rule is enabled. Without required approval (the
// default) every new version is live at once. With approval required
// (setting `approval` = { required: true }) a new version is a draft; the live version stays
// until a second person approves the draft, which makes it live.
import type { ApprovalCandidate, ApprovalCheck, ApprovalOutcome, VersionStatus } from './approval.ts'
import { AuditStore, actorName, type Actor } from './AuditStore.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export type { Actor } from './AuditStore.ts'

export interface StoredRule {
  id: string
  /** The newest version. */
  version: number
  enabled: boolean
  /** The newest version's document. */
  document: unknown
  createdAt: number
  updatedAt: number
  updatedBy: string
  /** The version the engine runs while the rule is enabled; null until a version is approved. */
  liveVersion: number | null
  /** Whether the newest version is approved (or needed no approval). */
  approved: boolean
}

export interface RuleVersion {
  ruleId: string
  version: number
  document: unknown
  createdAt: number
  createdBy: string
  status: VersionStatus
  /** Approved by a second person, or needed no approval. */
  approved: boolean
  /** null: approval was not required (or not given yet). */
  approvedBy: string | null
  approvedAt: number | null
  /** The version this one restored, for a rollback. */
  rollbackOf: number | null
}

export interface ApprovalPolicy {
  /** Four eyes: a new rule version goes live only once a second person approved it. */
  required: boolean
}

export const APPROVAL_SETTING = 'approval'
export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = { required: false }

/** Why an enable was refused. */
export type RuleRefusal = { refused: 'needs_approval'; version: number }

export const isRefusal = (value: unknown): value is RuleRefusal => typeof value === 'object' && value !== null && 'refused' in value

interface RuleRow {
  id: string
  version: number
  enabled: boolean
  document: unknown
  created_at: string | number
  updated_at: string | number
  updated_by: string
  live_version: number | null
  head_status: string | null
}

interface VersionRow {
  rule_id: string
  version: number
  document: unknown
  created_at: string | number
  created_by: string
  status: string
  approved_by: string | null
  approved_at: string | number | null
  rollback_of: number | null
  head: number
  live_version: number | null
  enabled: boolean
}

const RULE_COLUMNS = 'id, version, enabled, document, created_at, updated_at, updated_by, live_version'
const SELECT_RULE = `SELECT r.id, r.version, r.enabled, r.document, r.created_at, r.updated_at, r.updated_by, r.live_version, v.status AS head_status
  FROM rules r LEFT JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.version`
const SELECT_VERSION = `SELECT v.rule_id, v.version, v.document, v.created_at, v.created_by, v.status, v.approved_by, v.approved_at, v.rollback_of,
         r.version AS head, r.live_version, r.enabled
    FROM rule_versions v JOIN rules r ON r.id = v.rule_id`

const toRule = (r: RuleRow, headStatus: string | null = r.head_status): StoredRule => ({
  id: r.id,
  version: r.version,
  enabled: r.enabled,
  document: r.document,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
  liveVersion: r.live_version,
  approved: headStatus !== 'draft',
})

/** A version's place in the rule's life, from its own approval and the rule's newest and live version. */
export function versionStatus(v: { version: number; approved: boolean }, rule: { version: number; liveVersion: number | null; enabled: boolean }): VersionStatus {
  if (v.version === rule.liveVersion) return rule.enabled ? 'live' : 'approved'
  if (v.version === rule.version) return v.approved ? 'approved' : 'draft'
  return 'superseded'
}

const toVersion = (r: VersionRow): RuleVersion => {
  const approved = r.status === 'approved'
  return {
    ruleId: r.rule_id,
    version: r.version,
    document: r.document,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    status: versionStatus({ version: r.version, approved }, { version: r.head, liveVersion: r.live_version, enabled: r.enabled }),
    approved,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at === null ? null : Number(r.approved_at),
    rollbackOf: r.rollback_of,
  }
}

interface WriteOptions {
  expectedVersion?: number | undefined
  /** Live at once: no approval required, or approved by `approvedBy` as it is written. */
  live: boolean
  approvedBy?: string | null
  rollbackOf?: number
}

export class RuleStore {
  readonly audit: AuditStore

  constructor(private readonly db: SqlExecutor) {
    this.audit = new AuditStore(db)
  }

  async list(): Promise<StoredRule[]> {
    const result = await this.db.query<RuleRow>(`${SELECT_RULE} ORDER BY r.id`)
    return result.rows.map((r) => toRule(r))
  }

  async get(id: string, db: SqlExecutor = this.db): Promise<StoredRule | undefined> {
    const result = await db.query<RuleRow>(`${SELECT_RULE} WHERE r.id = $1`, [id])
    return result.rows[0] ? toRule(result.rows[0]) : undefined
  }

  /** What the engine runs: the live version of every enabled rule. */
  async live(): Promise<Array<{ id: string; version: number; document: unknown }>> {
    const result = await this.db.query<{ id: string; version: number; document: unknown }>(
      `SELECT r.id, v.version, v.document FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.live_version
        WHERE r.enabled ORDER BY r.id`,
    )
    return result.rows
  }

  async approvalPolicy(db: SqlExecutor = this.db): Promise<ApprovalPolicy> {
    const result = await db.query<{ value: Partial<ApprovalPolicy> }>('SELECT value FROM settings WHERE key = $1', [APPROVAL_SETTING])
    return { ...DEFAULT_APPROVAL_POLICY, ...result.rows[0]?.value }
  }

  /** Changes the approval policy and audits the change; returns the policy before and after. */
  async setApprovalPolicy(policy: ApprovalPolicy, actor: Actor, now: number): Promise<{ before: ApprovalPolicy; after: ApprovalPolicy }> {
    return this.db.transaction(async (tx) => {
      const before = await this.approvalPolicy(tx)
      const after = { ...before, ...policy }
      await tx.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [APPROVAL_SETTING, JSON.stringify(after)])
      await this.audit.record({ at: now, actor, action: 'settings.update', entityType: 'setting', entityId: APPROVAL_SETTING, details: { before, after } }, tx)
      return { before, after }
    })
  }

  /**
   * Creates version 1; returns undefined when the id is taken. With approval required the rule
   * starts as a disabled draft, whatever `enabled` asks for.
   */
  async create(id: string, document: unknown, enabled: boolean, actor: Actor, now: number): Promise<StoredRule | undefined> {
    return this.db.transaction(async (tx) => {
      const { required } = await this.approvalPolicy(tx)
      const status = required ? 'draft' : 'approved'
      const result = await tx.query<RuleRow>(
        `INSERT INTO rules (id, version, enabled, document, created_at, updated_at, updated_by, live_version) VALUES ($1, 1, $2, $3, $4, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING RETURNING ${RULE_COLUMNS}`,
        [id, enabled && !required, JSON.stringify(document), now, actorName(actor), required ? null : 1],
      )
      if (!result.rows[0]) return undefined
      await tx.query('INSERT INTO rule_versions (rule_id, version, document, created_at, created_by, status) VALUES ($1, 1, $2, $3, $4, $5)', [
        id,
        JSON.stringify(document),
        now,
        actorName(actor),
        status,
      ])
      const rule = toRule(result.rows[0], status)
      await this.audit.record({ at: now, actor, action: 'rule.create', entityType: 'rule', entityId: id, version: 1, details: { status, enabled: rule.enabled } }, tx)
      return rule
    })
  }

  /**
   * Stores a new version; `expectedVersion` guards against overwriting someone else's change.
   * With approval required the new version is a draft and the live version keeps running.
   */
  async update(id: string, document: unknown, actor: Actor, now: number, expectedVersion?: number): Promise<StoredRule | 'not_found' | 'conflict'> {
    return this.db.transaction(async (tx) => {
      const { required } = await this.approvalPolicy(tx)
      const result = await this.writeVersion(tx, id, document, actor, now, { expectedVersion, live: !required })
      if (typeof result === 'string') return result
      await this.audit.record(
        { at: now, actor, action: 'rule.update', entityType: 'rule', entityId: id, version: result.version, details: { from: result.version - 1, status: result.approved ? 'approved' : 'draft' } },
        tx,
      )
      return result
    })
  }

  /**
   * Stores a new version whose document is that of version `to`. It needs approval like any
   * change, unless approval is not required or `selfApprove` holds (the caller may approve) and
   * the caller is not the author of the restored version: then the caller is the second person.
   */
  async rollback(
    id: string,
    to: number,
    actor: Actor,
    now: number,
    options: { selfApprove: boolean },
  ): Promise<{ rule: StoredRule; restored: RuleVersion } | 'not_found' | 'conflict'> {
    return this.db.transaction(async (tx) => {
      const restored = await this.version(id, to, tx)
      if (!restored) return 'not_found'
      const { required } = await this.approvalPolicy(tx)
      const secondPerson = options.selfApprove && restored.createdBy !== actorName(actor)
      const live = !required || secondPerson
      const approvedBy = required && secondPerson ? actorName(actor) : null
      const rule = await this.writeVersion(tx, id, restored.document, actor, now, { live, approvedBy, rollbackOf: to })
      if (typeof rule === 'string') return rule
      await this.audit.record(
        { at: now, actor, action: 'rule.rollback', entityType: 'rule', entityId: id, version: rule.version, details: { to, status: live ? 'approved' : 'draft', approvedBy } },
        tx,
      )
      return { rule, restored }
    })
  }

  /** A version as four eyes judges it. */
  async approvalCandidate(id: string, version: number, db: SqlExecutor = this.db): Promise<ApprovalCandidate | undefined> {
    const target = await this.version(id, version, db)
    return target && { version, author: target.createdBy, status: target.status, awaitingApproval: !target.approved, approved: target.approved }
  }

  /**
   * Approves `version` when `check` (four eyes, with the rule locked) finds nothing against it,
   * and makes it the live version (it runs at once if the rule is enabled).
   */
  async approveIf<R>(id: string, version: number, actor: Actor, now: number, check: ApprovalCheck<R>): Promise<ApprovalOutcome<StoredRule, R>> {
    return this.db.transaction(async (tx): Promise<ApprovalOutcome<StoredRule, R>> => {
      const head = await tx.query<{ version: number }>('SELECT version FROM rules WHERE id = $1 FOR UPDATE', [id])
      const newest = head.rows[0]?.version
      if (newest === undefined) return { status: 'not_found' }
      const target = await this.approvalCandidate(id, version, tx)
      if (!target) return { status: 'not_found' }
      const refusal = check(target, newest)
      if (refusal !== undefined) return { status: 'refused', refusal }
      await tx.query(`UPDATE rule_versions SET status = 'approved', approved_by = $3, approved_at = $4 WHERE rule_id = $1 AND version = $2`, [id, version, actorName(actor), now])
      await tx.query('UPDATE rules SET live_version = $2, updated_at = $3, updated_by = $4 WHERE id = $1', [id, version, now, actorName(actor)])
      const rule = await this.get(id, tx)
      if (!rule) return { status: 'not_found' }
      await this.audit.record(
        { at: now, actor, action: 'rule.approve', entityType: 'rule', entityId: id, version, details: { author: target.author, live: rule.enabled } },
        tx,
      )
      return { status: 'approved', value: rule }
    })
  }

  /**
   * Enables or disables the rule. Enabling runs the newest version: with approval required it
   * must be approved (refused otherwise); without, a draft left from when it was required is
   * taken as approved. Disabling always works.
   */
  async setEnabled(id: string, enabled: boolean, actor: Actor, now: number): Promise<StoredRule | RuleRefusal | undefined> {
    return this.db.transaction(async (tx) => {
      const locked = await tx.query<{ version: number; status: string }>(
        `SELECT r.version, v.status FROM rules r LEFT JOIN rule_versions v ON v.rule_id = r.id AND v.version = r.version WHERE r.id = $1 FOR UPDATE OF r`,
        [id],
      )
      const head = locked.rows[0]
      if (!head) return undefined
      if (enabled && head.status === 'draft') {
        if ((await this.approvalPolicy(tx)).required) return { refused: 'needs_approval', version: head.version }
        await tx.query(`UPDATE rule_versions SET status = 'approved' WHERE rule_id = $1 AND version = $2`, [id, head.version])
      }
      const result = await tx.query<RuleRow>(
        `UPDATE rules SET enabled = $2, updated_at = $3, updated_by = $4, live_version = CASE WHEN $2 THEN version ELSE live_version END
          WHERE id = $1 RETURNING ${RULE_COLUMNS}`,
        [id, enabled, now, actorName(actor)],
      )
      const rule = toRule(result.rows[0] as RuleRow, enabled ? 'approved' : head.status)
      await this.audit.record({ at: now, actor, action: enabled ? 'rule.enable' : 'rule.disable', entityType: 'rule', entityId: id, version: rule.liveVersion }, tx)
      return rule
    })
  }

  /** Every version, newest first, with its status. */
  async versions(id: string): Promise<RuleVersion[]> {
    const result = await this.db.query<VersionRow>(`${SELECT_VERSION} WHERE v.rule_id = $1 ORDER BY v.version DESC`, [id])
    return result.rows.map(toVersion)
  }

  async version(id: string, version: number, db: SqlExecutor = this.db): Promise<RuleVersion | undefined> {
    const result = await db.query<VersionRow>(`${SELECT_VERSION} WHERE v.rule_id = $1 AND v.version = $2`, [id, version])
    return result.rows[0] ? toVersion(result.rows[0]) : undefined
  }

  /** A cheap fingerprint of what runs, so the engine reloads rules only when that changed. */
  async fingerprint(): Promise<string> {
    const result = await this.db.query<{ f: string | null }>(
      `SELECT string_agg(id || ':' || coalesce(live_version, 0) || ':' || enabled, ',' ORDER BY id) AS f FROM rules`,
    )
    return result.rows[0]?.f ?? ''
  }

  private async writeVersion(tx: SqlExecutor, id: string, document: unknown, actor: Actor, now: number, o: WriteOptions): Promise<StoredRule | 'not_found' | 'conflict'> {
    const result = await tx.query<RuleRow>(
      `UPDATE rules SET version = version + 1, document = $2, updated_at = $3, updated_by = $4,
              live_version = CASE WHEN $6::boolean THEN version + 1 ELSE live_version END
        WHERE id = $1 AND ($5::int IS NULL OR version = $5)
        RETURNING ${RULE_COLUMNS}`,
      [id, JSON.stringify(document), now, actorName(actor), o.expectedVersion ?? null, o.live],
    )
    const row = result.rows[0]
    if (!row) {
      // Inside the transaction: PGlite has one connection, so a query outside it would wait forever.
      const exists = await tx.query('SELECT 1 FROM rules WHERE id = $1', [id])
      return exists.rows.length > 0 ? 'conflict' : 'not_found'
    }
    const status = o.live ? 'approved' : 'draft'
    const approvedBy = o.approvedBy ?? null
    await tx.query(
      `INSERT INTO rule_versions (rule_id, version, document, created_at, created_by, status, approved_by, approved_at, rollback_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, row.version, JSON.stringify(document), now, actorName(actor), status, approvedBy, approvedBy === null ? null : now, o.rollbackOf ?? null],
    )
    return toRule(row, status)
  }
}
