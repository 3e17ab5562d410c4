// Sends everything due in the outbox: one dispatcher pass leases one batch per channel, so pass
// again until a pass finds nothing due.
import type { Dispatcher } from '../channels/Dispatcher.ts'

/** Returns how many messages were handled. */
export async function dispatchAll(dispatcher: Dispatcher): Promise<number> {
  let total = 0
  for (;;) {
    const n = await dispatcher.dispatchDue()
    total += n
    if (n === 0) return total
  }
}
