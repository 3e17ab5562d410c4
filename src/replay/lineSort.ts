// Decision lines in their total order (time, customer, rule, decision id) without holding them all:
// lines wait in memory up to a run's size, then are sorted and written to a temp file; reading them
// merges the runs (an external merge sort). A decision recorded twice (a step written again after a
// store refused it) gives one line: its last final version, or its last one if none is final.
import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir, removeTempDir } from '../lib/tempDir.ts'
import type { DecisionLine } from './lines.ts'
import { MinHeap } from './MinHeap.ts'

/** Lines held in memory before a sorted run goes to disk (default; ≈ 0.5 kB each). */
export const DEFAULT_RUN_LINES = 100_000

interface Entry {
  ts: number
  customer: string
  rule: string
  id: string
  /** Order of arrival: of two versions of one decision, the later wins. */
  seq: number
  final: boolean
  line: DecisionLine | undefined
  text: string | undefined
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const order = (a: Entry, b: Entry): number => a.ts - b.ts || cmp(a.customer, b.customer) || cmp(a.rule, b.rule) || cmp(a.id, b.id) || a.seq - b.seq

/** Writes one line of text per item to a new file, in chunks. */
export function writeLinesTo<T>(path: string, text: (item: T) => string, items: Iterable<T>): void {
  const fd = openSync(path, 'w')
  try {
    let out = ''
    for (const item of items) {
      out += `${text(item)}\n`
      if (out.length > 1 << 16) {
        writeSync(fd, out)
        out = ''
      }
    }
    writeSync(fd, out)
  } finally {
    closeSync(fd)
  }
}

/** Reads a run file line by line, a chunk at a time. */
class RunReader {
  private readonly fd: number
  private readonly chunk = Buffer.alloc(1 << 16)
  /** Bytes after the last newline read (a line, or a UTF-8 sequence, may go on in the next chunk). */
  private rest = Buffer.alloc(0)
  private lines: string[] = []
  private at = 0
  private done = false

  constructor(path: string) {
    this.fd = openSync(path, 'r')
  }

  next(): Entry | undefined {
    while (this.at >= this.lines.length) {
      if (this.done) return undefined
      const n = readSync(this.fd, this.chunk, 0, this.chunk.length, null)
      const bytes = Buffer.concat([this.rest, this.chunk.subarray(0, n)])
      const end = n === 0 ? bytes.length : bytes.lastIndexOf(0x0a)
      if (n === 0) this.close()
      this.lines = end <= 0 ? [] : bytes.toString('utf8', 0, end).split('\n').filter((l) => l !== '')
      this.rest = Buffer.from(bytes.subarray(end < 0 ? 0 : end + 1))
      this.at = 0
    }
    const [ts, customer, rule, id, seq, final, text] = JSON.parse(this.lines[this.at++] as string) as [number, string, string, string, number, number, string]
    return { ts, customer, rule, id, seq, final: final === 1, line: undefined, text }
  }

  close(): void {
    if (!this.done) closeSync(this.fd)
    this.done = true
  }
}

export class SortedLines {
  private buffer: Entry[] = []
  private readonly runs: string[] = []
  private dir: string | undefined
  private seq = 0

  constructor(private readonly runLines = DEFAULT_RUN_LINES) {}

  /** Adds a decision's line (`ts`: its decision time in ms); `final`: its outcome will not change. */
  add(line: DecisionLine, ts: number, final: boolean): void {
    this.buffer.push(this.entry(line, ts, final))
    this.seq++
    if (this.buffer.length >= this.runLines) this.spill()
  }

  /** Sorted runs written to temp files so far. */
  get spilledRuns(): number {
    return this.runs.length
  }

  private entry(line: DecisionLine, ts: number, final: boolean): Entry {
    return { ts, customer: line.customer, rule: line.rule, id: line.id, seq: this.seq, final, line, text: undefined }
  }

  private spill(): void {
    this.dir ??= makeTempDir('careloop-lines-')
    const path = join(this.dir, `run-${this.runs.length}.jsonl`)
    writeLinesTo(path, (e: Entry) => JSON.stringify([e.ts, e.customer, e.rule, e.id, e.seq, e.final ? 1 : 0, e.text ?? JSON.stringify(e.line)]), this.buffer.sort(order))
    this.runs.push(path)
    this.buffer = []
  }

  /**
   * Every decision's line so far, in order, with `extra` lines (not final: what is still pending
   * now) taken in as if added last. Can be read again; the runs stay until close().
   */
  *entries(extra: ReadonlyArray<{ line: DecisionLine; ts: number }> = []): Generator<{ line: DecisionLine | undefined; text: string | undefined }> {
    const memory = [...this.buffer, ...extra.map((x, i) => ({ ...this.entry(x.line, x.ts, false), seq: this.seq + i }))].sort(order)
    const readers = this.runs.map((path) => new RunReader(path))
    const sources: Array<() => Entry | undefined> = readers.map((reader) => () => reader.next())
    let i = 0
    sources.push(() => memory[i++])
    try {
      yield* merged(sources)
    } finally {
      for (const r of readers) r.close()
    }
  }

  /** Removes the temp files. */
  close(): void {
    if (this.dir !== undefined) removeTempDir(this.dir)
    this.dir = undefined
    this.runs.length = 0
  }
}

/** Merges sorted sources; of the versions of one decision (adjacent in the order) yields one. */
function* merged(sources: Array<() => Entry | undefined>): Generator<{ line: DecisionLine | undefined; text: string | undefined }> {
  const heap = new MinHeap<{ entry: Entry; source: number }>((a, b) => order(a.entry, b.entry) < 0)
  sources.forEach((next, source) => {
    const entry = next()
    if (entry) heap.push({ entry, source })
  })
  let held: Entry | undefined
  while (heap.size > 0) {
    const { entry, source } = heap.pop() as { entry: Entry; source: number }
    const after = sources[source]?.()
    if (after) heap.push({ entry: after, source })
    if (held !== undefined && held.id === entry.id) {
      if (entry.final || !held.final) held = entry
      continue
    }
    if (held) yield { line: held.line, text: held.text }
    held = entry
  }
  if (held) yield { line: held.line, text: held.text }
}
