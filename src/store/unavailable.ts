// Tells "a store cannot answer right now" (retry later) apart from every other failure, so the API
// answers 503 with Retry-After instead of 500, and clients back off and resend.
// PostgreSQL server and PGlite raise SQLSTATE codes; node-postgres and the ClickHouse client raise
// Node socket errors or plain messages when the connection goes away; kafkajs (the event log in
// scale-out mode, where ingest makes events durable) raises its own error classes.

/** SQLSTATE classes and codes meaning the database is out of reach, out of resources or shutting down. */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '58'] as const
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57P04', // database_dropped
  '57P05', // idle_session_timeout
  '57014', // query_canceled (statement_timeout)
  '25006', // read_only_sql_transaction (a standby, or a read-only data folder)
  'XX001', // data_corrupted: block read failed (I/O)
])

/** Node socket and file-system error codes of an unreachable server or a full / read-only disk. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOSPC',
  'EROFS',
  'EIO',
  'EDQUOT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
])

/** Messages without a code (node-postgres, PGlite) that mean the connection or engine is gone. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /client was closed/i,
  /pglite is closed/i,
  /server closed the connection unexpectedly/i,
  /no space left on device/i,
  /read-only file system/i,
  /socket hang up/i,
  // ClickHouse and chDB out of resources (NOT_ENOUGH_SPACE, MEMORY_LIMIT_EXCEEDED, TOO_MANY_PARTS):
  // chDB's messages carry no code, e.g. "Cannot reserve 1.00 MiB, not enough space."
  /not enough space/i,
  /memory limit \(.*\) exceeded/i,
  /too many parts/i,
  /\b(NOT_ENOUGH_SPACE|MEMORY_LIMIT_EXCEEDED|TOO_MANY_PARTS)\b/,
]

/** kafkajs errors meaning the cluster is out of reach, whatever their retriable flag. */
const KAFKA_UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
])

function kafkaUnavailable(error: { name?: unknown; retriable?: unknown }): boolean {
  if (typeof error.name !== 'string' || !error.name.startsWith('KafkaJS')) return false
  // A retriable protocol error (no leader, not enough replicas …) is the cluster's state, not the input's.
  return KAFKA_UNAVAILABLE.has(error.name) || (error.name === 'KafkaJSProtocolError' && error.retriable === true)
}

function sqlstateUnavailable(code: string): boolean {
  if (!/^[0-9A-Z]{5}$/.test(code)) return false
  return UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c))
}

function isUnavailableOne(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (UNAVAILABLE_ERRNOS.has(code) || sqlstateUnavailable(code))) return true
  if (kafkaUnavailable(error as { name?: unknown; retriable?: unknown })) return true
  // An aborted WebAssembly instance (PGlite after a fatal I/O failure) answers nothing any more.
  if (error instanceof WebAssembly.RuntimeError) return true
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))
}

/** Whether an error (or one it wraps, through cause or AggregateError) says a store is unavailable. */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  while (queue.length > 0) {
    const current = queue.shift()
    if (current === undefined || current === null || seen.has(current)) continue
    seen.add(current)
    if (isUnavailableOne(current)) return true
    if (typeof current === 'object') {
      const { cause, errors } = current as { cause?: unknown; errors?: unknown }
      queue.push(cause)
      if (Array.isArray(errors)) queue.push(...errors)
    }
  }
  return false
}
