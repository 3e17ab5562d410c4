// Readiness probe: the cluster answers a metadata request for our topics in time.
import type { Kafka } from 'kafkajs'

/**
 * A short-lived admin client per probe: probes are rare, and a failed connection leaves nothing
 * half-open behind. Metadata works on every Kafka-protocol server (admin writes don't).
 */
export async function pingTopics(kafka: Kafka, topics: readonly string[], timeoutMs: number): Promise<boolean> {
  const admin = kafka.admin({ retry: { retries: 0 } })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
  const probe = (async () => {
    await admin.connect()
    await admin.fetchTopicMetadata({ topics: [...topics] })
    return true
  })().catch(() => false)
  try {
    return await Promise.race([probe, timeout])
  } finally {
    clearTimeout(timer)
    void probe.finally(() => admin.disconnect().catch(() => undefined))
  }
}
