// Queues (hours, capacity, skills, escalation) and agents (queues, skills, on shift). loads()
// is the live snapshot the engine routes with: agents on shift and open tasks per queue.
import type { Queue, QueueLoad } from '../../model/queue.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export interface Agent {
  id: string
  displayName: string
  queues: string[]
  skills: string[]
  onShift: boolean
  /** Overrides the queue's capacity per agent. */
  capacity: number | null
}

export interface TaskCounts {
  queues: Map<string, { unclaimed: number; claimed: number; pastSla: number }>
  /** Claimed (held, snoozed included) tasks per agent id. */
  agents: Map<string, number>
}

interface QueueRow {
  id: string
  name: string
  timezone: string
  hours: Queue['hours']
  capacity_per_agent: number
  skills: string[]
  escalate_to: string | null
}

interface AgentRow {
  id: string
  display_name: string
  queues: string[]
  skills: string[]
  on_shift: boolean
  capacity: number | null
}

const toQueue = (r: QueueRow): Queue => ({ id: r.id, name: r.name, timezone: r.timezone, hours: r.hours, capacityPerAgent: r.capacity_per_agent, skills: r.skills, escalateTo: r.escalate_to })
const toAgent = (r: AgentRow): Agent => ({ id: r.id, displayName: r.display_name, queues: r.queues, skills: r.skills, onShift: r.on_shift, capacity: r.capacity })

export class QueueStore {
  constructor(private readonly db: SqlExecutor) {}

  async putQueue(q: Queue, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO queues (id, name, timezone, hours, capacity_per_agent, skills, escalate_to, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, hours = EXCLUDED.hours, capacity_per_agent = EXCLUDED.capacity_per_agent,
         skills = EXCLUDED.skills, escalate_to = EXCLUDED.escalate_to, updated_at = EXCLUDED.updated_at`,
      [q.id, q.name, q.timezone, q.hours === null ? null : JSON.stringify(q.hours), q.capacityPerAgent, JSON.stringify(q.skills), q.escalateTo, now],
    )
  }

  async queue(id: string): Promise<Queue | undefined> {
    const result = await this.db.query<QueueRow>('SELECT * FROM queues WHERE id = $1', [id])
    return result.rows[0] ? toQueue(result.rows[0]) : undefined
  }

  async queues(): Promise<Queue[]> {
    return (await this.db.query<QueueRow>('SELECT * FROM queues ORDER BY id')).rows.map(toQueue)
  }

  async deleteQueue(id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM queues WHERE id = $1', [id])).affectedRows > 0
  }

  async putAgent(a: Agent, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO agents (id, display_name, queues, skills, on_shift, capacity, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, queues = EXCLUDED.queues, skills = EXCLUDED.skills,
         on_shift = EXCLUDED.on_shift, capacity = EXCLUDED.capacity, updated_at = EXCLUDED.updated_at`,
      [a.id, a.displayName, JSON.stringify(a.queues), JSON.stringify(a.skills), a.onShift, a.capacity, now],
    )
  }

  async setOnShift(id: string, onShift: boolean, now: number): Promise<boolean> {
    return (await this.db.query('UPDATE agents SET on_shift = $2, updated_at = $3 WHERE id = $1', [id, onShift, now])).affectedRows > 0
  }

  async agent(id: string): Promise<Agent | undefined> {
    const result = await this.db.query<AgentRow>('SELECT * FROM agents WHERE id = $1', [id])
    return result.rows[0] ? toAgent(result.rows[0]) : undefined
  }

  async agents(): Promise<Agent[]> {
    return (await this.db.query<AgentRow>('SELECT * FROM agents ORDER BY id')).rows.map(toAgent)
  }

  /**
   * Per queue, its unresolved tasks already on the work list split into unclaimed and claimed, and
   * those past their SLA; per agent, the tasks they hold. Queues and agents without tasks are absent.
   */
  async taskCounts(now: number): Promise<TaskCounts> {
    const [byQueue, byAgent] = await Promise.all([
      this.db.query<{ queue: string; unclaimed: string; claimed: string; past_sla: string }>(
        `SELECT queue, count(*) FILTER (WHERE status = 'open') AS unclaimed, count(*) FILTER (WHERE status = 'claimed') AS claimed,
           count(*) FILTER (WHERE sla_due_at < $1) AS past_sla
         FROM tasks WHERE status <> 'resolved' AND available_at <= $1 GROUP BY queue`,
        [now],
      ),
      this.db.query<{ agent: string; n: string }>(`SELECT claimed_by AS agent, count(*) AS n FROM tasks WHERE status = 'claimed' AND claimed_by IS NOT NULL GROUP BY claimed_by`),
    ])
    return {
      queues: new Map(byQueue.rows.map((r) => [r.queue, { unclaimed: Number(r.unclaimed), claimed: Number(r.claimed), pastSla: Number(r.past_sla) }])),
      agents: new Map(byAgent.rows.map((r) => [r.agent, Number(r.n)])),
    }
  }

  /** Every configured queue with its agents on shift and its unresolved, already available tasks. */
  async loads(now: number): Promise<Map<string, QueueLoad>> {
    const [queues, agents, open] = await Promise.all([
      this.queues(),
      this.agents(),
      this.db.query<{ queue: string; n: string }>(`SELECT queue, count(*) AS n FROM tasks WHERE status <> 'resolved' AND available_at <= $1 GROUP BY queue`, [now]),
    ])
    return queueLoads(queues, agents, new Map(open.rows.map((r) => [r.queue, Number(r.n)])))
  }
}

/** Each queue with its agents on shift, their capacity and its open tasks (`openBy` queue id). */
export function queueLoads(queues: readonly Queue[], agents: readonly Agent[], openBy: ReadonlyMap<string, number>): Map<string, QueueLoad> {
  const loads = new Map<string, QueueLoad>()
  for (const queue of queues) {
    const onShift = agents.filter((a) => a.onShift && a.queues.includes(queue.id))
    const capacity = onShift.reduce((sum, a) => sum + (a.capacity ?? queue.capacityPerAgent), 0)
    loads.set(queue.id, { queue, agentsOnShift: onShift.length, openTasks: openBy.get(queue.id) ?? 0, capacity })
  }
  return loads
}
