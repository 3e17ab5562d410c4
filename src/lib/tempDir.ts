// Temp folders of the replay's spilled states and sorted decision lines, which reach gigabytes on a
// large trace. A command that finishes removes its own; `removeTempDirsOnSignal`, set by the
// commands' process entry (never by the engine, which has its own shutdown), makes an interrupted
// one (Ctrl-C, a kill) remove them too before it exits.
import { mkdtempSync, rmSync } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'

const live = new Set<string>()
let hooked = false

/** A new folder under the system's temp folder, removed on a signal once the entry asked for it. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  live.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  live.delete(dir)
}

/** On SIGINT, SIGTERM or SIGHUP: removes the temp folders still there, then exits as the signal would (128 + its number). */
export function removeTempDirsOnSignal(): void {
  if (hooked) return
  hooked = true
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const dir of [...live]) removeTempDir(dir)
      process.exit(128 + constants.signals[signal])
    })
  }
}
