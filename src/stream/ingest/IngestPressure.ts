// Accepting before processing: in embedded mode HTTP ingest and the engine share node's one main
// thread, and a request waits behind whatever the engine runs between two of its turns. While
// ingest requests are in flight the engine waits at its turns (between steps, log reads, slices of
// a step and the state statements of its commit), at most maxWaitMs; if ingest is still pressing
// then, the engine runs for runMs without waiting, so under ingest that never pauses it keeps
// about runMs / (maxWaitMs + runMs) of the thread. What it has not processed yet waits durably in
// the event log.
// Accepting valid messages touches no PGlite, so the commit's open transaction holds up no request;
// a request with invalid messages writes dead letters and may wait up to maxWaitMs a statement.
const DEFAULT_MAX_WAIT_MS = 60
const DEFAULT_RUN_MS = 20

export class IngestPressure {
  private inFlight = 0
  /** Appends waiting for the disk: their requests use no CPU meanwhile, so the engine need not wait. */
  private appending = 0
  private readonly waiting = new Set<() => void>()
  /** After a wait that ran out, turns until this time (performance.now) do not wait. */
  private runUntil = 0

  constructor(
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
    private readonly runMs = DEFAULT_RUN_MS,
  ) {}

  /** An ingest request began; the returned function ends it (once, however often it is called). */
  receiving(): () => void {
    this.inFlight++
    let ended = false
    return () => {
      if (ended) return
      ended = true
      this.inFlight--
      this.resumeIfQuiet()
    }
  }

  /** Waits for a durable append; meanwhile the request it serves counts as quiet. */
  async aside<T>(append: Promise<T>): Promise<T> {
    this.appending++
    this.resumeIfQuiet()
    try {
      return await append
    } finally {
      this.appending--
    }
  }

  get requestsInFlight(): number {
    return this.inFlight
  }

  /** Requests in flight that are not waiting for the disk (an append outside any request may make it negative: quiet). */
  private get pressing(): number {
    return this.inFlight - this.appending
  }

  private resumeIfQuiet(): void {
    if (this.pressing <= 0) for (const resume of [...this.waiting]) resume()
  }

  /** One turn of the event loop for waiting I/O; while ingest requests are in flight and not waiting for the disk, also waits for them (see above). */
  async turn(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.pressing <= 0 || performance.now() < this.runUntil) return
    await new Promise<void>((resolve) => {
      const resume = () => {
        clearTimeout(timer)
        this.waiting.delete(resume)
        resolve()
      }
      const timer = setTimeout(() => {
        this.runUntil = performance.now() + this.runMs
        resume()
      }, this.maxWaitMs)
      this.waiting.add(resume)
    })
  }
}

/** A turn of the event loop and nothing more (no ingest to give way to). */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))
