// Posts a trace to a Segment-compatible HTTP endpoint (careloop's ingest, or anything that speaks
// Segment's /v1/batch), the way a shop's server-side Segment library would.
import type { SegmentMessage } from './message.ts'

export interface SendOptions {
  /** Base URL, e.g. http://localhost:8080; /v1/batch is appended. */
  url: string
  writeKey: string
  /** Messages per request (default 500, Segment's batch size). */
  batchSize?: number
  /** Bytes per request body before a batch is cut early (default 480 KB; Segment allows 500 KB). */
  maxBatchBytes?: number
  /** Extra attempts for a request that fails with a network error, 429 or 5xx (default 4). */
  retries?: number
  /** First retry delay in ms; doubles each time (default 250). */
  backoffMs?: number
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number
  fetch?: typeof fetch
  onProgress?: (progress: SendProgress) => void
}

export interface SendProgress {
  sent: number
  batches: number
  retries: number
  /** The last message sent (its timestamp tells how far through the trace the run is). */
  last?: SegmentMessage
}

export interface SendResult {
  sent: number
  batches: number
  retries: number
  ms: number
}

/** A 4xx other than 429: the server rejected the content, so retrying cannot help. */
export class SendRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`ingest rejected the batch with HTTP ${status}: ${body}`)
    this.name = 'SendRejectedError'
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function batchEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/v1/batch`
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
}

export async function sendTrace(
  messages: Iterable<SegmentMessage> | AsyncIterable<SegmentMessage>,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now()
  const batchSize = options.batchSize ?? 500
  const maxBytes = options.maxBatchBytes ?? 480_000
  if (!(batchSize >= 1)) throw new Error('batchSize must be at least 1')
  const progress: SendProgress = { sent: 0, batches: 0, retries: 0 }
  let batch: string[] = []
  let bytes = 0
  let last: SegmentMessage | undefined

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    // Messages are serialised once; the body is stitched from the pieces.
    const body = `{"batch":[${batch.join(',')}]}`
    progress.retries += await post(body, options)
    progress.sent += batch.length
    progress.batches++
    progress.last = last
    batch = []
    bytes = 0
    options.onProgress?.({ ...progress })
  }

  for await (const message of messages) {
    const json = JSON.stringify(message)
    const size = Buffer.byteLength(json) + 1
    if (batch.length > 0 && bytes + size > maxBytes) await flush()
    batch.push(json)
    bytes += size
    last = message
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return { sent: progress.sent, batches: progress.batches, retries: progress.retries, ms: performance.now() - started }
}

/** Posts one body; returns how many retries it took. Throws once retries are used up. */
async function post(body: string, options: SendOptions): Promise<number> {
  const doFetch = options.fetch ?? fetch
  const retries = options.retries ?? 4
  const backoff = options.backoffMs ?? 250
  const endpoint = batchEndpoint(options.url)
  let lastError: unknown
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1))
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(options.writeKey) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      })
      if (res.ok) {
        await res.arrayBuffer() // drain so the connection is reused
        return attempt
      }
      const text = await res.text()
      if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
        throw new SendRejectedError(res.status, text)
      }
      lastError = new Error(`HTTP ${res.status}: ${text}`)
    } catch (err) {
      if (err instanceof SendRejectedError) throw err
      lastError = err
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError)
  throw new Error(`POST ${endpoint} failed after ${retries + 1} attempts: ${reason}`, { cause: lastError })
}
