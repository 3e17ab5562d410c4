// Suppression in scale-out mode (docs/privacy.md): after an erase, a late event through Kafka is
// dropped, and a consumer group reading the topic again from the start (as a rewind does) drops
// every record of the erased shopper, the ones from before the erase included.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startKafkaModeEngine, type KafkaModeEngine } from '../support/kafkaEngine.ts'
import { requireServers } from '../support/requireServers.ts'
import { waitFor } from '../stream/helpers.ts'

async function suppressedCount(engine: TestEngine): Promise<number> {
  const res = await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${KEYS.ops}` } })
  const line = (await res.text()).split('\n').find((l) => l.startsWith('careloop_suppressed_events_total '))
  return Number(line?.split(' ')[1] ?? 0)
}

if (requireServers('kafka privacy')) {
  const clock = new ManualClock(Date.UTC(2026, 5, 20, 10, 0, 0))
  let mode: KafkaModeEngine
  let rewound: TestEngine | undefined

  beforeAll(async () => {
    mode = await startKafkaModeEngine('privacy', { clock })
    await mode.engine.app.start()
  }, 120_000)
  afterAll(async () => {
    await rewound?.app.stop()
    await mode?.stop()
  })

  describe('suppression through Kafka', () => {
    it('a late event and a rewound consumer group bring nothing of an erased shopper back', async () => {
      const { engine } = mode
      const userId = `kp-${randomUUID().slice(0, 8)}`
      const email = `${userId}@example.com`
      const at = new Date(clock.now()).toISOString()
      expect((await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId, traits: { email }, timestamp: at },
        { type: 'track', messageId: randomUUID(), userId, event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: at },
      ])).status).toBe(200)
      await waitFor('both events applied', async () => ((await engine.app.ops.engine.loadStates([userId])).get(userId)?.seen.length ?? 0) >= 1 && (await engine.api('GET', `/api/customers/${userId}/timeline`)).body.entries.length >= 2, 60_000)

      const erase = await engine.api('DELETE', `/api/customers/${userId}`)
      expect([200, 202]).toContain(erase.status)
      await waitFor('the erasure complete', async () => (await engine.api('GET', erase.body.statusUrl)).body.completedAt !== null, 60_000)
      expect((await engine.app.ops.engine.loadStates([userId])).size).toBe(0)

      const late = { type: 'track', messageId: randomUUID(), userId, event: 'Order Completed', properties: { order_id: 'o1', total: 10 }, timestamp: at }
      expect((await engine.ingest([late])).status).toBe(200)
      await waitFor('the late event dropped', async () => (await suppressedCount(engine)) === 1, 60_000)
      expect((await engine.app.ops.engine.loadStates([userId])).size).toBe(0)

      // A new consumer group reads the topic from the earliest offset: all three records again.
      rewound = await startEngine({
        clock,
        databaseUrl: engine.config.databaseUrl,
        clickhouseUrl: engine.config.clickhouseUrl,
        clickhouseDatabase: engine.config.clickhouseDatabase,
        config: { kafka: { ...engine.config.kafka!, groupId: 'privacy-rewound' } },
      })
      await rewound.app.start()
      await waitFor('the rewound group dropped every record', async () => (await suppressedCount(rewound!)) === 3, 60_000)
      expect((await rewound.app.ops.engine.loadStates([userId])).size).toBe(0)
      const exported = await rewound.api('GET', `/api/customers/${userId}/export`)
      expect(exported.body.history).toEqual([])
      expect(JSON.stringify(exported.body)).not.toContain(email)
    }, 180_000)
  })
}
