// A CPU profile of this process over a stretch of a bench (the inspector's sampling profiler, as
// `node --cpu-prof` writes it, but only around the part measured). Open the file in Chrome DevTools.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

/** Starts profiling when a path is given; the returned function stops and writes the profile. */
export async function startCpuProfile(path: string | undefined): Promise<() => Promise<void>> {
  if (!path) return async () => {}
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async () => {
    writeFileSync(path, JSON.stringify((await session.post('Profiler.stop')).profile))
    session.disconnect()
  }
}
