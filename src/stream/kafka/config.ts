// Kafka settings from the environment (scale-out mode). Kafka mode is on when KAFKA_BROKERS is
// set. Every bad value fails at start with the variable's name, not later inside kafkajs.
import { readFileSync } from 'node:fs'
import type { SASLOptions } from 'kafkajs'

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512'
export type KafkaCompression = 'none' | 'gzip'

export interface KafkaSettings {
  brokers: string[]
  /** Topics consumed; ingest produces to the first. Order matters: see partitions.ts. */
  topics: [string, ...string[]]
  groupId: string
  deadLetterTopic: string
  clientId: string
  sessionTimeoutMs: number
  compression: KafkaCompression
  /** false, true (system CAs) or the CA bundle (PEM) from KAFKA_SSL_CA_FILE. */
  ssl: false | true | { ca: string[] }
  sasl: SASLOptions | undefined
}

const SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512']
// Kafka's own rule for topic names (kafka.common.internals.Topic).
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/
const BROKER = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})$/

export class KafkaConfigError extends Error {
  override readonly name = 'KafkaConfigError'
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function parseBrokers(raw: string): string[] {
  const brokers = list(raw)
  if (brokers.length === 0) throw new KafkaConfigError('KAFKA_BROKERS must list at least one host:port')
  for (const broker of brokers) {
    const m = BROKER.exec(broker)
    const port = Number(m?.[1])
    if (!m || port < 1 || port > 65535) throw new KafkaConfigError(`KAFKA_BROKERS: "${broker}" is not host:port`)
  }
  return brokers
}

function topicName(name: string, variable: string): string {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new KafkaConfigError(`${variable}: "${name}" is not a valid topic name (letters, digits, . _ -; at most 249)`)
  }
  return name
}

function parseTopics(raw: string | undefined): [string, ...string[]] {
  const [first, ...rest] = list(raw ?? 'careloop.events').map((t) => topicName(t, 'KAFKA_TOPICS'))
  if (first === undefined) throw new KafkaConfigError('KAFKA_TOPICS must name at least one topic')
  if (new Set([first, ...rest]).size !== rest.length + 1) throw new KafkaConfigError('KAFKA_TOPICS names a topic twice')
  return [first, ...rest]
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase()
  if (raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new KafkaConfigError(`${name} must be 1 or 0, got "${env[name]}"`)
}

function intIn(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new KafkaConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return n
}

function parseSasl(env: NodeJS.ProcessEnv): SASLOptions | undefined {
  const mechanism = (env.KAFKA_SASL_MECHANISM ?? '').trim().toLowerCase()
  const username = env.KAFKA_SASL_USERNAME
  const password = env.KAFKA_SASL_PASSWORD
  if (mechanism === '') {
    if (username || password) throw new KafkaConfigError('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not')
    return undefined
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new KafkaConfigError(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got "${env.KAFKA_SASL_MECHANISM}"`)
  }
  if (!username) throw new KafkaConfigError(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=${mechanism}`)
  if (password === undefined || password === '') throw new KafkaConfigError(`KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=${mechanism}`)
  return { mechanism: mechanism as KafkaSaslMechanism, username, password }
}

function parseSsl(env: NodeJS.ProcessEnv): KafkaSettings['ssl'] {
  const caFile = env.KAFKA_SSL_CA_FILE?.trim()
  const on = flag(env, 'KAFKA_SSL')
  if (!caFile) return on
  // A CA file only makes sense with TLS; saying so beats silently connecting in plain text.
  if (!on) throw new KafkaConfigError('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not 1')
  let pem: string
  try {
    pem = readFileSync(caFile, 'utf8')
  } catch (err) {
    throw new KafkaConfigError(`KAFKA_SSL_CA_FILE: cannot read "${caFile}": ${(err as Error).message}`)
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new KafkaConfigError(`KAFKA_SSL_CA_FILE: "${caFile}" holds no PEM certificate`)
  return { ca: [pem] }
}

function parseCompression(env: NodeJS.ProcessEnv): KafkaCompression {
  const raw = (env.KAFKA_COMPRESSION ?? 'none').trim().toLowerCase() || 'none'
  if (raw !== 'none' && raw !== 'gzip') throw new KafkaConfigError(`KAFKA_COMPRESSION must be none or gzip, got "${env.KAFKA_COMPRESSION}"`)
  return raw
}

/** Kafka settings, or undefined when KAFKA_BROKERS is unset (embedded mode). */
export function loadKafkaSettings(env: NodeJS.ProcessEnv = process.env): KafkaSettings | undefined {
  const rawBrokers = env.KAFKA_BROKERS
  if (rawBrokers === undefined || rawBrokers.trim() === '') return undefined
  const topics = parseTopics(env.KAFKA_TOPICS)
  const deadLetterTopic = topicName((env.KAFKA_DEAD_LETTER_TOPIC ?? '').trim() || 'careloop.dead-letter', 'KAFKA_DEAD_LETTER_TOPIC')
  // Consuming our own dead letters would dead-letter them again, forever.
  if (topics.includes(deadLetterTopic)) throw new KafkaConfigError(`KAFKA_DEAD_LETTER_TOPIC "${deadLetterTopic}" is also in KAFKA_TOPICS`)
  const groupId = (env.KAFKA_GROUP_ID ?? '').trim() || 'careloop'
  return {
    brokers: parseBrokers(rawBrokers),
    topics,
    groupId,
    deadLetterTopic,
    clientId: (env.KAFKA_CLIENT_ID ?? '').trim() || 'careloop',
    // Below ~3 s kafkajs cannot heartbeat in time (and the mock never completes a join).
    sessionTimeoutMs: intIn(env, 'KAFKA_SESSION_TIMEOUT_MS', 10_000, 3_000, 300_000),
    compression: parseCompression(env),
    ssl: parseSsl(env),
    sasl: parseSasl(env),
  }
}
