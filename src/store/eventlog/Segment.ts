// One segment file of the file event log: frames in seq order, named after its first seq. Knows
// its durable size, its last seq and newest receivedAt, and a sparse seq → offset index so reads
// from any position start near their first record instead of at the file's start.
import { closeSync, openSync, readSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeBody, decodeFrameMeta, type FrameMeta } from './frame.ts'
import type { LogRecord } from './EventLog.ts'

/** Every this many records a sparse index entry. */
const MARK_EVERY = 64
/** First read size; grown for a larger frame. */
const READ_CHUNK = 256 * 1024
const NAME = /^(\d{16})\.seg$/

export const segmentName = (baseSeq: number): string => `${String(baseSeq).padStart(16, '0')}.seg`
export const segmentBase = (file: string): number | undefined => {
  const m = NAME.exec(file)
  return m ? Number(m[1]) : undefined
}

export class CorruptSegmentError extends Error {
  constructor(readonly path: string, readonly offset: number) {
    super(`event log segment ${path} is corrupt at byte ${offset} (not its tail): restore it from a backup or move it away`)
    this.name = 'CorruptSegmentError'
  }
}

export class Segment {
  size = 0
  count = 0
  lastSeq: number
  maxReceivedAt = -Infinity
  minReceivedAt = Infinity
  /** Partition → its last seq in this segment. */
  readonly partitionLast = new Map<number, number>()
  private markSeqs: number[] = []
  private markOffsets: number[] = []
  /** Read descriptor, opened on first read. */
  private reader: number | undefined

  constructor(readonly dir: string, readonly baseSeq: number) {
    this.lastSeq = baseSeq - 1
  }

  get path(): string {
    return join(this.dir, segmentName(this.baseSeq))
  }

  /** Takes note of a frame now durable at `meta.offset`. */
  note(meta: Pick<FrameMeta, 'seq' | 'partition' | 'receivedAt' | 'offset' | 'length'>): void {
    if (this.count % MARK_EVERY === 0) {
      this.markSeqs.push(meta.seq)
      this.markOffsets.push(meta.offset)
    }
    this.count++
    this.lastSeq = meta.seq
    this.partitionLast.set(meta.partition, meta.seq)
    this.size = meta.offset + meta.length
    if (meta.receivedAt > this.maxReceivedAt) this.maxReceivedAt = meta.receivedAt
    if (meta.receivedAt < this.minReceivedAt) this.minReceivedAt = meta.receivedAt
  }

  /**
   * Reads the whole file and calls `visit` per frame. A bad or short frame ends the scan: with
   * `repairTail` (the newest segment) the file is cut there, otherwise it is corruption.
   */
  static async load(dir: string, baseSeq: number, repairTail: boolean, visit: (meta: FrameMeta) => void): Promise<Segment> {
    const segment = new Segment(dir, baseSeq)
    const buf = await readFile(segment.path)
    let offset = 0
    while (offset < buf.length) {
      const frame = decodeFrameMeta(buf, offset)
      if (!frame.ok || frame.meta.seq <= segment.lastSeq) {
        if (!repairTail) throw new CorruptSegmentError(segment.path, offset)
        // A torn write from a crash: never acknowledged (acks wait for fdatasync), so dropped.
        const file = await open(segment.path, 'r+')
        try {
          await file.truncate(offset)
          await file.datasync()
        } finally {
          await file.close()
        }
        break
      }
      segment.note(frame.meta)
      visit(frame.meta)
      offset += frame.meta.length
    }
    segment.size = offset
    return segment
  }

  /** Raw frames of the file with their metas (erasure rewrites from these). */
  async frames(): Promise<{ buf: Buffer; metas: FrameMeta[] }> {
    const buf = (await readFile(this.path)).subarray(0, this.size)
    const metas: FrameMeta[] = []
    for (let offset = 0; offset < buf.length; ) {
      const frame = decodeFrameMeta(buf, offset)
      if (!frame.ok) throw new CorruptSegmentError(this.path, offset)
      metas.push(frame.meta)
      offset += frame.meta.length
    }
    return { buf, metas }
  }

  /**
   * Records of `partition` with seq above `afterSeq`, up to `limit`, from the durable bytes. The
   * reads are synchronous: they come from the page cache in microseconds, where a thread-pool
   * round trip waits for a CPU on a busy machine.
   */
  async read(partition: number, afterSeq: number, limit: number): Promise<LogRecord[]> {
    const out: LogRecord[] = []
    if (afterSeq >= (this.partitionLast.get(partition) ?? 0)) return out
    const end = this.size
    let position = this.startOffset(afterSeq)
    this.reader ??= openSync(this.path, 'r')
    let chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - position))
    while (position < end && out.length < limit) {
      const want = Math.min(chunk.length, end - position)
      const bytesRead = readSync(this.reader, chunk, 0, want, position)
      const buf = chunk.subarray(0, bytesRead)
      let offset = 0
      while (offset < buf.length && out.length < limit) {
        const frame = decodeFrameMeta(buf, offset)
        if (!frame.ok) {
          if (frame.reason === 'corrupt') throw new CorruptSegmentError(this.path, position + offset)
          break
        }
        const { meta } = frame
        if (meta.seq > afterSeq && meta.partition === partition) {
          out.push({ seq: meta.seq, partition: meta.partition, messageId: meta.messageId, customerId: meta.customerId, receivedAt: meta.receivedAt, body: decodeBody(buf, meta) })
        }
        offset += meta.length
      }
      if (offset === 0) {
        // One frame larger than the buffer: grow it to the frame's length.
        chunk = Buffer.allocUnsafe(Math.max(chunk.length * 2, buf.readUInt32LE(0) + 8))
        continue
      }
      position += offset
    }
    return out
  }

  private startOffset(afterSeq: number): number {
    let lo = 0
    let hi = this.markSeqs.length - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if ((this.markSeqs[mid] as number) <= afterSeq + 1) {
        found = this.markOffsets[mid] as number
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  async closeReader(): Promise<void> {
    const reader = this.reader
    this.reader = undefined
    if (reader !== undefined) closeSync(reader)
  }
}
