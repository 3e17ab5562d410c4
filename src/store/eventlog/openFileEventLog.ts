// Opens the file event log of a data directory. What an older version left in the SQL table is
// carried over first, with its seqs (the engine's position counts in them), then the table is
// emptied; a crash in between copies only what the file does not hold yet on the next open.
import type { EventLogStore } from '../operational/EventLogStore.ts'
import { FileEventLog, type FileEventLogOptions } from './FileEventLog.ts'

const PAGE = 5000

export async function openFileEventLog(dir: string, sqlLog: EventLogStore, source: string, options: FileEventLogOptions = {}): Promise<FileEventLog> {
  const first = (await sqlLog.readAll(0, 1))[0]
  const log = await FileEventLog.open(dir, { ...options, startAfter: first === undefined ? 0 : first.seq - 1 })
  try {
    for (let after = 0; ; ) {
      const rows = await sqlLog.readAll(after, PAGE)
      const last = rows[rows.length - 1]
      if (last === undefined) break
      await log.adopt(rows)
      after = last.seq
    }
    await log.advanceHead(await sqlLog.lastPosition(source))
    if (first !== undefined) await sqlLog.clear()
    return log
  } catch (err) {
    await log.close()
    throw err
  }
}
