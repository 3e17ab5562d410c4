// KAFKA_* environment parsing: defaults, pass-through to kafkajs, and errors naming the variable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadKafkaSettings } from '../../src/stream/kafka/config.ts'
import { PartitionIds } from '../../src/stream/kafka/partitions.ts'

const base = { KAFKA_BROKERS: 'k1:9092, k2:9093' }

describe('loadKafkaSettings', () => {
  it('is off without KAFKA_BROKERS', () => {
    expect(loadKafkaSettings({})).toBeUndefined()
    expect(loadKafkaSettings({ KAFKA_BROKERS: ' ' })).toBeUndefined()
  })

  it('has defaults', () => {
    expect(loadKafkaSettings(base)).toEqual({
      brokers: ['k1:9092', 'k2:9093'],
      topics: ['careloop.events'],
      groupId: 'careloop',
      deadLetterTopic: 'careloop.dead-letter',
      clientId: 'careloop',
      sessionTimeoutMs: 10_000,
      compression: 'none',
      ssl: false,
      sasl: undefined,
    })
  })

  it('reads topics, group, SASL, TLS with a CA file, session timeout and compression', () => {
    const dir = mkdtempSync(join(tmpdir(), 'careloop-ca-'))
    const ca = join(dir, 'ca.pem')
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    try {
      const s = loadKafkaSettings({
        ...base,
        KAFKA_TOPICS: 'shop.orders,shop.browsing',
        KAFKA_GROUP_ID: 'care-eu',
        KAFKA_DEAD_LETTER_TOPIC: 'care.dlq',
        KAFKA_CLIENT_ID: 'engine-7',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SSL: '1',
        KAFKA_SSL_CA_FILE: ca,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_COMPRESSION: 'gzip',
      })
      expect(s?.topics).toEqual(['shop.orders', 'shop.browsing'])
      expect(s?.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })
      expect(s?.ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] })
      expect(s).toMatchObject({ groupId: 'care-eu', deadLetterTopic: 'care.dlq', clientId: 'engine-7', sessionTimeoutMs: 6000, compression: 'gzip' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.each([
    [{ KAFKA_BROKERS: 'k1' }, /KAFKA_BROKERS: "k1" is not host:port/],
    [{ KAFKA_BROKERS: ',' }, /KAFKA_BROKERS must list/],
    [{ ...base, KAFKA_TOPICS: 'ok,bad topic' }, /KAFKA_TOPICS: "bad topic" is not a valid topic name/],
    [{ ...base, KAFKA_TOPICS: 'a,a' }, /twice/],
    [{ ...base, KAFKA_DEAD_LETTER_TOPIC: 'careloop.events' }, /also in KAFKA_TOPICS/],
    [{ ...base, KAFKA_SASL_MECHANISM: 'gssapi' }, /KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512/],
    [{ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD is required/],
    [{ ...base, KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_MECHANISM is not/],
    [{ ...base, KAFKA_SSL: 'yes' }, /KAFKA_SSL must be 1 or 0/],
    [{ ...base, KAFKA_SSL_CA_FILE: '/x.pem' }, /KAFKA_SSL is not 1/],
    [{ ...base, KAFKA_SSL: '1', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, /KAFKA_SSL_CA_FILE: cannot read/],
    [{ ...base, KAFKA_SESSION_TIMEOUT_MS: '2000' }, /KAFKA_SESSION_TIMEOUT_MS must be an integer from 3000/],
    [{ ...base, KAFKA_COMPRESSION: 'zstd' }, /KAFKA_COMPRESSION must be none or gzip/],
  ])('rejects %o', (env, message) => {
    expect(() => loadKafkaSettings(env)).toThrow(message)
  })
})

describe('PartitionIds', () => {
  it('keeps plain numbers for one topic and offsets later topics by 10000', () => {
    const one = new PartitionIds(['a'])
    expect(one.toSource('a', 7)).toBe(7)
    const two = new PartitionIds(['a', 'b'])
    expect(two.toSource('a', 3)).toBe(3)
    expect(two.toSource('b', 3)).toBe(10_003)
    expect(two.fromSource(10_003)).toEqual({ topic: 'b', partition: 3 })
    expect(two.fromAssignment({ b: [1, 0], a: [2], other: [5] })).toEqual([2, 10_000, 10_001])
    expect(() => two.toSource('c', 0)).toThrow(/not one of/)
    expect(() => two.fromSource(20_000)).toThrow(/maps to no topic/)
  })
})
