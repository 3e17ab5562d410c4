// `npm start`: the engine with the HTTP API on PORT (default 8080). Event log and stores are
// embedded unless the environment names their servers (Kafka, PostgreSQL, ClickHouse).
import { Careloop } from './app.ts'
import { loadConfig } from './config.ts'
import { sendTrace } from './demo/send.ts'
import { generateTrace } from './demo/trace.ts'
import { setHeapGrowth } from './lib/heapGrowth.ts'

async function main(): Promise<void> {
  const config = loadConfig()
  // Process-wide, so the process entry sets it (tests open many engines in one process).
  setHeapGrowth(config.heapGrowthPercent ?? 0)
  const app = await Careloop.open({ config })
  const url = await app.listen()
  await app.start()
  const lines = [
    '',
    `careloop ${config.dataDir} — listening on ${url}`,
    `  console       ${url}/console/`,
    `  API docs      ${url}/docs`,
    `  ingest        POST ${url}/v1/batch (Segment-compatible; write key as Basic-auth user)`,
    config.smtpUrl ? `  email         via ${config.smtpUrl.replace(/\/\/[^@]*@/, '//***@')}` : `  email         no CARELOOP_SMTP_URL: messages are written as .eml files to ${config.dataDir}/mail`,
  ]
  if (app.generated.writeKey) lines.push(`  write key     ${app.generated.writeKey}   (generated now; stored, not shown again)`)
  else lines.push(`  write key     ${config.writeKey ? 'from CARELOOP_WRITE_KEY' : 'stored in the data directory (settings.write_key)'}`)
  if (app.generated.adminKey) lines.push(`  admin API key ${app.generated.adminKey}   (generated now; stored hashed, not shown again)`)
  console.log(lines.join('\n') + '\n')

  if (config.demo) {
    // The trace ends now, so late parcels and abandoned checkouts are due at once.
    const days = 30
    const start = Date.now() - days * 86_400_000
    const trace = generateTrace({ seed: config.demo.seed, shoppers: config.demo.shoppers, days, start }).filter((m) => Date.parse(String(m.timestamp)) <= Date.now())
    const summary = await sendTrace(trace, { url, writeKey: app.writeKey })
    app.logger.info({ events: trace.length, summary }, 'demo shop loaded')
  }

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    app.logger.info({ signal }, 'shutting down')
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err)
  process.exit(1)
})
