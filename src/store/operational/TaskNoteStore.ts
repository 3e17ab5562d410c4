// Agents' notes on tasks. Stored with the customer id as well, so the hand-off context of a new
// task can show what colleagues wrote about the same shopper before.
import type { SqlExecutor } from './SqlExecutor.ts'

export interface TaskNote {
  id: string
  taskId: string
  customerId: string
  author: string
  body: string
  createdAt: number
}

interface NoteRow {
  id: string
  task_id: string
  customer_id: string
  author: string
  body: string
  created_at: string | number
}

const COLUMNS = 'id, task_id, customer_id, author, body, created_at'
const toNote = (r: NoteRow): TaskNote => ({ id: r.id, taskId: r.task_id, customerId: r.customer_id, author: r.author, body: r.body, createdAt: Number(r.created_at) })

export class TaskNoteStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Adds a note; a repeated id (a retried request) is ignored. Returns whether it was new. */
  async add(note: TaskNote): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO task_notes (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [note.id, note.taskId, note.customerId, note.author, note.body, note.createdAt],
    )
    return result.affectedRows > 0
  }

  /** A task's notes, oldest first (a conversation reads top-down). */
  async forTask(taskId: string, limit = 500): Promise<TaskNote[]> {
    const result = await this.db.query<NoteRow>(`SELECT ${COLUMNS} FROM task_notes WHERE task_id = $1 ORDER BY created_at, id LIMIT $2`, [taskId, limit])
    return result.rows.map(toNote)
  }

  /** Every note about a shopper across tasks, newest first. */
  async forCustomer(customerId: string, limit = 100): Promise<TaskNote[]> {
    const result = await this.db.query<NoteRow>(
      `SELECT ${COLUMNS} FROM task_notes WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    )
    return result.rows.map(toNote)
  }
}
