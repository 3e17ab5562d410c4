// Steady shop traffic for outage tests, sent the way a Segment client does: batches in order,
// a batch that was not answered 200 is sent again (same messageIds) after Retry-After. Each
// "group" is two shoppers whose effects are known in advance:
//   <prefix>-<i>-pay   two failed payments → one email (to <id>@example.com) and a payments task
//   <prefix>-<i>-money a money complaint   → a priority-care task
import { randomUUID } from 'node:crypto'
import type { ParsedMail } from 'mailparser'

const HOUR = 3_600_000
/** Most groups one batch carries when a backlog built up. */
const MAX_GROUPS_PER_BATCH = 20
const DEFAULT_RETRY_MS = 1_000
const MAX_RETRY_MS = 5_000

export type Message = Record<string, unknown>

export interface SendResult {
  status: number
  retryAfter: string | null
}

export type Send = (messages: Message[]) => Promise<SendResult>

export function group(prefix: string, i: number, now: number): Message[] {
  const pay = `${prefix}-${i}-pay`
  const money = `${prefix}-${i}-money`
  const at = (ms: number) => new Date(ms).toISOString()
  const msg = (userId: string, event: string, properties: Message, ts: number): Message => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: at(ts) })
  return [
    { type: 'identify', messageId: randomUUID(), userId: pay, traits: { email: `${pay}@example.com` }, timestamp: at(now - HOUR) },
    msg(pay, 'Payment Failed', { order_id: `F-${prefix}-${i}` }, now - HOUR),
    msg(pay, 'Payment Failed', { order_id: `F-${prefix}-${i}` }, now - HOUR / 2),
    { type: 'identify', messageId: randomUUID(), userId: money, traits: { email: `${money}@example.com` }, timestamp: at(now) },
    msg(money, 'Complaint Filed', { topic: 'other', text: 'I was charged twice' }, now),
  ]
}

export const expectedEmails = (prefix: string, groups: readonly number[]): string[] => groups.map((i) => `${prefix}-${i}-pay@example.com`).sort()
export const expectedTasks = (prefix: string, groups: readonly number[]): string[] =>
  groups.flatMap((i) => [`${prefix}-${i}-money:priority-care`, `${prefix}-${i}-pay:payments`]).sort()

/** An HTTP sender for careloop's Segment-compatible ingest. */
export function httpIngest(url: string, writeKey: string): Send {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
  return async (messages) => {
    try {
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch: messages }),
        signal: AbortSignal.timeout(30_000),
      })
      await res.text()
      return { status: res.status, retryAfter: res.headers.get('retry-after') }
    } catch {
      return { status: 0, retryAfter: null } // no answer: resend, as a Segment client does
    }
  }
}

export class Traffic {
  /** Groups the server accepted (answered 200). */
  readonly accepted: number[] = []
  /** Count of answers by status (0 = no answer). */
  readonly statuses = new Map<number, number>()
  /** Non-200 answers without a usable Retry-After. */
  readonly missingRetryAfter: number[] = []
  private readonly queue: Array<{ group: number; messages: Message[] }> = []
  private next = 0
  private producing: NodeJS.Timeout | undefined
  private worker: Promise<void> | undefined
  private stopped = false

  constructor(
    private readonly prefix: string,
    private readonly send: Send,
    private readonly everyMs = 500,
  ) {}

  /** Starts making one group every `everyMs` and sending in the background. */
  start(): void {
    const produce = () => this.queue.push({ group: this.next, messages: group(this.prefix, this.next++, Date.now()) })
    produce()
    this.producing = setInterval(produce, this.everyMs)
    this.worker = this.work()
  }

  /** Stops making groups; resolves when every made group was accepted. */
  async finish(): Promise<void> {
    clearInterval(this.producing)
    this.stopped = true
    await this.worker
  }

  get made(): number {
    return this.next
  }

  summary(): string {
    return `${this.next} groups made, ${this.accepted.length} accepted; answers ${JSON.stringify(Object.fromEntries(this.statuses))}`
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.stopped) return
        await sleep(50)
        continue
      }
      const batch = this.queue.slice(0, MAX_GROUPS_PER_BATCH)
      const { status, retryAfter } = await this.send(batch.flatMap((b) => b.messages))
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
      if (status === 200) {
        this.queue.splice(0, batch.length)
        this.accepted.push(...batch.map((b) => b.group))
        continue
      }
      const seconds = retryAfter === null ? NaN : Number(retryAfter)
      if (status !== 0 && !(seconds >= 0)) this.missingRetryAfter.push(status)
      await sleep(Number.isFinite(seconds) && seconds >= 0 ? Math.min(MAX_RETRY_MS, seconds * 1000) : DEFAULT_RETRY_MS)
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** How long each dependency stays away: the issue asks for 60 s; CARELOOP_OUTAGE_MS shortens it locally. */
export function outageMs(): number {
  const raw = process.env['CARELOOP_OUTAGE_MS']
  const n = raw === undefined ? 60_000 : Number(raw)
  if (!Number.isInteger(n) || n < 1_000) throw new Error(`CARELOOP_OUTAGE_MS must be an integer ≥ 1000, got ${raw}`)
  return n
}

/** Waits for `check`; on timeout, `explain` gathers what `what` reports (e.g. from the stores). */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: () => string, explain?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) {
      await explain?.()
      throw new Error(`timed out waiting for ${what()}`)
    }
    await sleep(250)
  }
}

/** Recipients and Message-IDs as the SMTP server received them. */
export function mailSummary(messages: readonly ParsedMail[]): { recipients: string[]; duplicates: Map<string, number> } {
  const byId = new Map<string, number>()
  for (const m of messages) byId.set(m.messageId ?? '(none)', (byId.get(m.messageId ?? '(none)') ?? 0) + 1)
  const recipients = messages.map((m) => (m.to && 'text' in m.to ? m.to.text : '')).sort()
  return { recipients, duplicates: new Map([...byId].filter(([, n]) => n > 1)) }
}

/** Tasks as "customer:queue", sorted (duplicates stay visible). */
export async function taskKeys(url: string, adminKey: string): Promise<string[]> {
  const res = await fetch(`${url}/api/tasks?limit=1000`, { headers: { authorization: `Bearer ${adminKey}` } })
  if (res.status !== 200) return []
  const body = (await res.json()) as { tasks: Array<{ customerId: string; queue: string }> }
  return body.tasks.map((t) => `${t.customerId}:${t.queue}`).sort()
}
