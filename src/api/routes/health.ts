// Liveness and readiness. /healthz only says the process answers; /readyz says whether it can do
// its work: every store answers, and the pipeline is not stalled (see stream/PipelineWatch.ts).
import type { FastifyInstance } from 'fastify'
import type { PipelineStatus } from '../../stream/PipelineWatch.ts'

export interface HealthOptions {
  checks: Record<string, () => Promise<boolean>>
  pipeline?: () => Promise<PipelineStatus>
  /** A check that has not answered by then counts as failed (a hung store must not hang probes). */
  timeoutMs?: number
}

function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms)
  })
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer))
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 2_000
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is up' } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Stores reachable and the pipeline moving' } }, async (_request, reply) => {
    const names = Object.keys(options.checks)
    const answers = await Promise.all(names.map((name) => within((options.checks[name] as () => Promise<boolean>)(), timeoutMs, false)))
    const checks: Record<string, boolean> = Object.create(null)
    names.forEach((name, i) => (checks[name] = answers[i] === true))
    let pipeline: PipelineStatus | undefined
    if (options.pipeline) {
      pipeline = await within(options.pipeline(), timeoutMs, undefined)
      checks.pipeline = pipeline?.ready ?? false
    }
    const ready = Object.values(checks).every(Boolean)
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(pipeline ? { pipeline } : {}) })
  })
}
