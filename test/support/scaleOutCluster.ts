// A scale-out test bench: a Kafka-protocol cluster with an events topic and a dead-letter topic,
// PostgreSQL and ClickHouse databases of its own, a real SMTP sink, and engine processes started
// against them. Registers its own beforeAll/afterAll; every process started through it is killed.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { KEYS, WRITE_KEY } from './careloop.ts'
import { scaleOutEnv, startEngineProcess, type EngineProcess } from './process.ts'
import { createServerStores, type ServerStores } from './serverStores.ts'
import { startKafka, type KafkaService } from './services/kafka.ts'
import { startMailSink, type MailSink } from './smtp.ts'
import { freshDataDir } from './stores.ts'

export interface ScaleOutCluster {
  readonly topic: string
  readonly deadLetterTopic: string
  readonly kafka: KafkaService
  readonly stores: ServerStores
  readonly mail: MailSink
  readonly engines: readonly EngineProcess[]
  /** Starts one engine process in the consumer group (absences settle at once unless `env` says). */
  startProcess(env?: Record<string, string>): Promise<EngineProcess>
}

export function useScaleOutCluster(options: { name: string; partitions: number; groupId: string }): ScaleOutCluster {
  const topic = `${options.name}-${randomUUID().slice(0, 8)}`
  const deadLetterTopic = `${options.name}-dead-${randomUUID().slice(0, 8)}`
  let kafka: KafkaService | undefined
  let stores: ServerStores | undefined
  let mail: MailSink | undefined
  const engines: EngineProcess[] = []
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`scale-out cluster: ${what} is not started (use it inside a test)`)
    return value
  }

  beforeAll(async () => {
    kafka = await startKafka([
      { name: topic, partitions: options.partitions },
      { name: deadLetterTopic, partitions: 1 },
    ])
    stores = await createServerStores(`careloop_${options.name.replace(/\W/g, '_')}`)
    mail = await startMailSink()
  })
  afterAll(async () => {
    for (const e of engines) await e.kill()
    await mail?.close()
    await stores?.drop()
    await kafka?.stop()
  })

  return {
    topic,
    deadLetterTopic,
    get kafka() {
      return ready(kafka, 'Kafka')
    },
    get stores() {
      return ready(stores, 'the stores')
    },
    get mail() {
      return ready(mail, 'the mail sink')
    },
    engines,
    async startProcess(env = {}) {
      const setup = { brokers: ready(kafka, 'Kafka').brokers, topic, deadLetterTopic, groupId: options.groupId, stores: ready(stores, 'the stores'), smtpUrl: ready(mail, 'the mail sink').url, writeKey: WRITE_KEY, adminKey: KEYS.admin }
      // The timers in these tests fall due while they run; allowed lateness is another test's subject.
      const engine = await startEngineProcess({ ...scaleOutEnv(setup, freshDataDir()), CARELOOP_ABSENCE_SETTLE_MS: '0', ...env })
      engines.push(engine)
      return engine
    },
  }
}
