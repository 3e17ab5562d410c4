#!/usr/bin/env node
// Health probe for container and service managers that cannot speak HTTP themselves:
// exit 0 when GET http://127.0.0.1:$PORT/<path> answers 200 within 5 s, 1 otherwise.
// Usage: node deploy/healthcheck.js [healthz|readyz]   (default healthz: liveness)
const path = process.argv[2] ?? 'healthz'
if (path !== 'healthz' && path !== 'readyz') {
  process.stderr.write('usage: healthcheck.js [healthz|readyz]\n')
  process.exit(2)
}
const port = process.env.PORT ?? '8080'
try {
  const res = await fetch(`http://127.0.0.1:${port}/${path}`, { signal: AbortSignal.timeout(5000) })
  if (res.status !== 200) process.stderr.write(`/${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}\n`)
  process.exit(res.status === 200 ? 0 : 1)
} catch (err) {
  process.stderr.write(`/${path} unreachable on port ${port}: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
