// Logs are kept longer and read by more people than the stores, so personal data stays out of
// them: email addresses and international phone numbers inside logged values (error messages from
// mail servers and providers echo the address they refused) are replaced by a placeholder. Code
// logs ids, never traits or message bodies; this catches what other systems hand back.
import { pino, type Logger } from 'pino'

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g
/** E.164-style numbers: a plus, then at least 8 digits, perhaps grouped. */
const PHONE = /\+\d(?:[\s().-]?\d){7,}/g
const MAX_DEPTH = 8

export function redactText(text: string): string {
  return text.replace(EMAIL, '<email>').replace(PHONE, '<phone>')
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value)
  if (typeof value !== 'object' || value === null) return value
  if (seen.has(value) || depth > MAX_DEPTH) return '[…]'
  seen.add(value)
  // Errors become their serialised form (message, stack, cause chain) so those strings are redacted too.
  const plain = value instanceof Error ? pino.stdSerializers.err(value) : value
  if (Array.isArray(plain)) return plain.map((v) => redactValue(v, depth + 1, seen))
  const out: Record<string, unknown> = Object.create(null)
  for (const [key, v] of Object.entries(plain)) out[key] = redactValue(v, depth + 1, seen)
  return out
}

/** pino's `formatters.log`: the logged object with personal data in its strings replaced. */
export function redactLogObject(object: object): object {
  return redactValue(object, 0, new WeakSet()) as object
}

/** A child of `logger` that redacts every object it logs. */
export function redactingLogger(logger: Logger): Logger {
  return logger.child({}, { formatters: { log: redactLogObject } })
}
