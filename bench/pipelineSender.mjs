// The pipeline bench's HTTP client in a worker thread: shops send from other machines, so the
// client must not queue behind the engine on its main thread. Sends the request bodies it was given
// by POST /v1/batch, `concurrency` requests in flight, when told 'go'; replies with the refused count.
import { parentPort, workerData } from 'node:worker_threads'

const { url, auth, bodies, concurrency } = workerData
parentPort.once('message', async () => {
  let next = 0
  let refused = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body })
        if (res.status !== 200) refused++
        await res.arrayBuffer()
      }
    }),
  )
  parentPort.postMessage(refused)
})
parentPort.postMessage('ready')
