// The text policy for input: NUL (U+0000) and lone UTF-16 surrogates are replaced by U+FFFD, in
// values and object keys at any depth. PostgreSQL rejects both in text and jsonb, and a lone
// surrogate is not encodable as UTF-8, so letting them in would fail a whole batch later.

const BAD_GLOBAL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

// Raw JSON text may spell the same characters as escapes; a match here only means "look closer"
// (an escaped surrogate pair or an escaped backslash before "u0000" also matches).
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/

export const REPLACEMENT = '\uFFFD'

/** True when the string holds a NUL or a lone surrogate. */
export function needsRepair(text: string): boolean {
  return BAD.test(text)
}

/** Fast pre-check on raw JSON text: false means parsing it cannot produce a string to repair. */
export function jsonMayNeedRepair(text: string): boolean {
  return BAD.test(text) || SUSPECT_ESCAPE.test(text)
}

export interface Repaired<T> {
  value: T
  /** Characters replaced. */
  repaired: number
}

export function repairString(text: string): Repaired<string> {
  if (!BAD.test(text)) return { value: text, repaired: 0 }
  let repaired = 0
  const value = text.replace(BAD_GLOBAL, () => {
    repaired++
    return REPLACEMENT
  })
  return { value, repaired }
}

/** Nesting deeper than this is refused: JSON.stringify and the stores overflow their stacks. */
export const MAX_JSON_DEPTH = 128

/** Thrown when a value nests too deeply to be repaired (input, so a 400). */
export class TextPolicyError extends Error {
  readonly statusCode = 400
  readonly code = 'INVALID_REQUEST'
}

/**
 * Repairs every string (and object key) in a JSON-like value. Returns the same value when nothing
 * needed repair; otherwise repaired objects and arrays are copies, and the input is not changed.
 * Copies keep the prototype of what they copy (plain or null), so `__proto__` stays an own key.
 */
export function repairValue<T>(input: T): Repaired<T> {
  let repaired = 0
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      const r = repairString(value)
      repaired += r.repaired
      return r.value
    }
    if (value === null || typeof value !== 'object') return value
    if (depth > MAX_JSON_DEPTH) throw new TextPolicyError(`must not nest deeper than ${MAX_JSON_DEPTH} levels`)
    if (Array.isArray(value)) {
      let out: unknown[] | undefined
      for (let i = 0; i < value.length; i++) {
        const item = value[i]
        const next = walk(item, depth + 1)
        if (next !== item) {
          out ??= value.slice()
          out[i] = next
        }
      }
      return out ?? value
    }
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value
    let changed = false
    const entries: Array<[string, unknown]> = []
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key]
      const k = repairString(key)
      const next = walk(item, depth + 1)
      repaired += k.repaired
      if (k.value !== key || next !== item) changed = true
      entries.push([k.value, next])
    }
    if (!changed) return value
    const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>
    // defineProperty, not assignment: an own "__proto__" key must stay a key.
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
    return out
  }
  const value = walk(input, 0) as T
  return { value, repaired }
}

/** True when arrays/objects in JSON text nest deeper than `max` (brackets in strings don't count). */
export function jsonNestsDeeper(text: string, max: number): boolean {
  if (text.length <= max) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/**
 * Parses JSON text and applies the text policy; throws SyntaxError like JSON.parse, or
 * TextPolicyError when the text nests deeper than MAX_JSON_DEPTH.
 */
export function parseJsonRepaired(text: string): Repaired<unknown> {
  if (jsonNestsDeeper(text, MAX_JSON_DEPTH)) throw new TextPolicyError(`must not nest deeper than ${MAX_JSON_DEPTH} levels`)
  const parsed: unknown = JSON.parse(text)
  return jsonMayNeedRepair(text) ? repairValue(parsed) : { value: parsed, repaired: 0 }
}
