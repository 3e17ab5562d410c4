// The embedded event log as segment files in the data directory (docs/event-log.md): appends are
// grouped and made durable with one fdatasync per group, so every accepted request is on disk when
// ingest answers, without SQL and without waiting behind the engine's commits. Reads go by seq
// through a sparse index; retention drops whole consumed segments; erasure rewrites the segments
// holding a shopper's records. The head survives both: a segment's name is its first seq.
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { EventLog, LogAppend, LogRecord } from './EventLog.ts'
import { encodeFrame } from './frame.ts'
import { Lock } from './Lock.ts'
import { RecentIds } from './RecentIds.ts'
import { Segment, segmentBase } from './Segment.ts'

export interface FileEventLogOptions {
  /** When the directory has no segment yet: the first seq is this plus one (an upgrade continues the SQL log's numbers). */
  startAfter?: number
  /** A segment is sealed once it is this large (bytes)… */
  segmentBytes?: number
  /** …or once it spans this long in receivedAt (ms): retention drops whole segments. */
  segmentSpanMs?: number
  /** How many of the newest messageIds the duplicate check remembers. */
  recentIds?: number
}

export const DEFAULT_RECENT_IDS = 250_000
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
const DEFAULT_SEGMENT_SPAN_MS = 60 * 60 * 1000

interface Pending {
  records: LogAppend[]
  resolve: () => void
  reject: (err: unknown) => void
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function writeAt(file: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await file.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}

export class FileEventLog implements EventLog {
  readonly transactional = false
  private queue: Pending[] = []
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Appends (one group at a time). */
  private readonly appendLock = new Lock()
  /** Reads, and (with appendLock too) the rewrites and drops that replace segment files. */
  private readonly lock = new Lock()
  private closed = false

  private constructor(
    readonly dir: string,
    private segments: Segment[],
    private appender: FileHandle,
    private headSeq: number,
    private readonly recent: RecentIds,
    private readonly segmentBytes: number,
    private readonly segmentSpanMs: number,
  ) {}

  static async open(dir: string, options: FileEventLogOptions = {}): Promise<FileEventLog> {
    await mkdir(dir, { recursive: true })
    const files = await readdir(dir)
    // A rewrite that did not reach its rename: the original segment is still whole.
    for (const file of files) if (file.endsWith('.tmp')) await unlink(join(dir, file))
    const bases = files.flatMap((f) => segmentBase(f) ?? []).sort((a, b) => a - b)
    const recent = new RecentIds(options.recentIds ?? DEFAULT_RECENT_IDS)
    const segments: Segment[] = []
    for (const [i, base] of bases.entries()) segments.push(await Segment.load(dir, base, i === bases.length - 1, (m) => recent.add(m.messageId)))
    if (segments.length === 0) {
      const first = new Segment(dir, (options.startAfter ?? 0) + 1)
      await (await open(first.path, 'a')).close()
      await syncDir(dir)
      segments.push(first)
    }
    const active = segments[segments.length - 1] as Segment
    const appender = await open(active.path, 'r+')
    return new FileEventLog(dir, segments, appender, active.lastSeq, recent, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, options.segmentSpanMs ?? DEFAULT_SEGMENT_SPAN_MS)
  }

  async append(events: readonly LogAppend[]): Promise<Set<string>> {
    const fresh = new Map<string, LogAppend>()
    const waits: Promise<void>[] = []
    for (const e of events) {
      if (fresh.has(e.messageId) || this.recent.has(e.messageId)) continue
      // The same id in a group not yet durable: a duplicate, answered once that group is durable.
      const pending = this.inFlight.get(e.messageId)
      if (pending) waits.push(pending)
      else fresh.set(e.messageId, e)
    }
    if (fresh.size > 0) {
      const durable = this.enqueue([...fresh.values()])
      for (const id of fresh.keys()) this.inFlight.set(id, durable)
      const clear = () => {
        for (const id of fresh.keys()) if (this.inFlight.get(id) === durable) this.inFlight.delete(id)
      }
      durable.then(clear, clear)
      waits.push(durable)
    }
    await Promise.all(waits)
    return new Set(fresh.keys())
  }

  /** Records carried over with their own seq (above the head), e.g. from the SQL log on upgrade. */
  async adopt(records: readonly LogRecord[]): Promise<number> {
    return this.appendLock.run(async () => {
      const fresh = records.filter((r) => r.seq > this.headSeq && !this.recent.has(r.messageId))
      for (let i = 1; i < fresh.length; i++) if ((fresh[i] as LogRecord).seq <= (fresh[i - 1] as LogRecord).seq) throw new Error('adopt: records out of seq order')
      await this.write(fresh)
      return fresh.length
    })
  }

  /** Makes the next seq at least `seq` + 1 (positions already stored elsewhere must stay behind it). */
  async advanceHead(seq: number): Promise<void> {
    await this.maintain(async () => {
      if (seq <= this.headSeq) return
      const empty = this.active.count === 0 ? this.active : undefined
      this.headSeq = seq
      await this.roll()
      if (empty === undefined) return
      await empty.closeReader()
      await unlink(empty.path)
      this.segments = this.segments.filter((s) => s !== empty)
      await syncDir(this.dir)
    })
  }

  async read(partition: number, afterSeq: number, limit: number): Promise<LogRecord[]> {
    if (limit <= 0) return []
    return this.lock.run(async () => {
      const out: LogRecord[] = []
      for (const segment of [...this.segments]) {
        if (out.length >= limit) break
        for (const record of await segment.read(partition, afterSeq, limit - out.length)) out.push(record)
      }
      return out
    })
  }

  async head(partition: number): Promise<number> {
    let head = 0
    for (const segment of this.segments) head = segment.partitionLast.get(partition) ?? head
    return head
  }

  async eraseCustomers(customerIds: readonly string[]): Promise<number> {
    const gone = new Set(customerIds)
    if (gone.size === 0) return 0
    return this.maintain(async () => {
      let removed = 0
      // The newest segment is sealed first, so a rewrite never lowers the head a reopen would see.
      if (this.active.count > 0) await this.roll()
      for (const [i, segment] of [...this.segments].entries()) {
        if (segment === this.active || segment.count === 0) continue
        const { buf, metas } = await segment.frames()
        const kept = metas.filter((m) => !gone.has(m.customerId))
        if (kept.length === metas.length) continue
        removed += metas.length - kept.length
        for (const m of metas) if (gone.has(m.customerId)) this.recent.delete(m.messageId)
        const rewritten = new Segment(this.dir, segment.baseSeq)
        const tmp = `${segment.path}.tmp`
        const file = await open(tmp, 'w')
        try {
          let offset = 0
          const parts = kept.map((m) => {
            rewritten.note({ ...m, offset })
            offset += m.length
            return buf.subarray(m.offset, m.offset + m.length)
          })
          await writeAt(file, Buffer.concat(parts), 0)
          await file.datasync()
        } finally {
          await file.close()
        }
        await segment.closeReader()
        await rename(tmp, segment.path)
        this.segments[i] = rewritten
      }
      await syncDir(this.dir)
      return removed
    })
  }

  async deleteConsumed(before: number, consumed: ReadonlyMap<number, number>): Promise<number> {
    const expired = (s: Segment) => s.count > 0 && s.maxReceivedAt < before && [...s.partitionLast].every(([p, last]) => last <= (consumed.get(p) ?? 0))
    return this.maintain(async () => {
      if (expired(this.active)) await this.roll()
      let removed = 0
      const kept: Segment[] = []
      for (const segment of this.segments) {
        if (segment !== this.active && (expired(segment) || segment.count === 0)) {
          removed += segment.count
          await segment.closeReader()
          await unlink(segment.path)
        } else kept.push(segment)
      }
      this.segments = kept
      await syncDir(this.dir)
      return removed
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.maintain(async () => {
      await this.appender.close()
      for (const segment of this.segments) await segment.closeReader()
    })
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment
  }

  /** Runs a section that replaces segment files: no read or append runs beside it. */
  private maintain<T>(section: () => Promise<T>): Promise<T> {
    return this.lock.run(() => this.appendLock.run(section))
  }

  private enqueue(records: LogAppend[]): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => this.queue.push({ records, resolve, reject }))
    void this.appendLock.run(() => this.flush())
    return durable
  }

  /** Writes every queued group at once: one write and one fdatasync for all of them. */
  private async flush(): Promise<void> {
    const groups = this.queue
    this.queue = []
    if (groups.length === 0) return
    try {
      if (this.closed) throw new Error('the event log is closed')
      let seq = this.headSeq
      await this.write(groups.flatMap((g) => g.records.map((r) => ({ ...r, seq: ++seq }))))
      for (const g of groups) g.resolve()
    } catch (err) {
      for (const g of groups) g.reject(err)
    }
  }

  /** Appends records (seq above the head, increasing) and returns once they are durable. */
  private async write(records: readonly LogRecord[]): Promise<void> {
    let run: LogRecord[] = []
    let frames: Buffer[] = []
    let size = this.active.size
    let oldest = this.active.count > 0 ? this.active.minReceivedAt : Infinity
    for (const record of records) {
      const frame = encodeFrame(record)
      // A segment is sealed when full or when it spans segmentSpanMs, so retention can drop it whole.
      if (size > 0 && (size >= this.segmentBytes || record.receivedAt - oldest >= this.segmentSpanMs)) {
        await this.writeRun(run, frames)
        await this.roll()
        run = []
        frames = []
        size = 0
        oldest = Infinity
      }
      run.push(record)
      frames.push(frame)
      size += frame.length
      oldest = Math.min(oldest, record.receivedAt)
    }
    await this.writeRun(run, frames)
  }

  /** Writes frames at the end of the active segment: one write, one fdatasync. */
  private async writeRun(records: readonly LogRecord[], frames: readonly Buffer[]): Promise<void> {
    if (records.length === 0) return
    const segment = this.active
    const start = segment.size
    try {
      await writeAt(this.appender, frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames), start)
      await this.appender.datasync()
    } catch (err) {
      // Whatever reached the file past the durable size is not a record: cut it off.
      await this.appender.truncate(start).catch(() => undefined)
      throw err
    }
    let offset = start
    for (const [i, record] of records.entries()) {
      const length = (frames[i] as Buffer).length
      segment.note({ seq: record.seq, partition: record.partition, receivedAt: record.receivedAt, offset, length })
      offset += length
      this.recent.add(record.messageId)
    }
    this.headSeq = (records[records.length - 1] as LogRecord).seq
  }

  /** Seals the active segment and starts the next one at head + 1. */
  private async roll(): Promise<void> {
    const next = new Segment(this.dir, this.headSeq + 1)
    const appender = await open(next.path, 'a+')
    await appender.close()
    await syncDir(this.dir)
    await this.appender.close()
    this.appender = await open(next.path, 'r+')
    this.segments.push(next)
  }
}
