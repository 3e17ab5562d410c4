#!/usr/bin/env node
// The `careloop` command as npm links it (npx, npm install -g, a symlinked bin): plain JavaScript so
// Node starts it from any folder; it loads TypeScript support from this package's own
// dependencies (not the caller's folder), then the CLI.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/cli/index.ts')
try {
  const code = await runCli(process.argv.slice(2))
  // `start` keeps running (its servers hold the event loop); the others end here.
  if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code
} catch (err) {
  process.stderr.write(`careloop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
}
