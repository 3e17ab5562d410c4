// Samples the pipeline's progress and logs once when it stalls and once when it moves again,
// not on every check (readiness and metrics report the state in between).
import type { Logger } from 'pino'
import type { PipelineWatch } from '../stream/PipelineWatch.ts'

export async function checkPipeline(watch: PipelineWatch, logger: Logger): Promise<void> {
  const wasReady = watch.status?.ready ?? true
  const status = await watch.check({ sample: true })
  if (wasReady && !status.ready) logger.error({ pipeline: status }, 'pipeline stalled')
  else if (!wasReady && status.ready) logger.info({ pipeline: status }, 'pipeline moving again')
}
