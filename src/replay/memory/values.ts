// What the PGlite store does to values on their way in and out, done in memory, so that the
// in-memory sandbox stores hand the engine exactly what the SQL store would: JSONB's key order
// and its refusal of NUL and lone surrogates, TEXT's refusal of NUL, and the "C" collation's
// ordering of text (code point order, which is UTF-8 byte order).

/** Thrown where PostgreSQL would refuse the value (the engine then isolates the input, as with SQL). */
export class StoredValueError extends Error {}

const BAD_TEXT = /\u0000/
const BAD_JSON_ESCAPE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i

/** A TEXT parameter: NUL is refused. */
export function storedText(value: string): string {
  if (BAD_TEXT.test(value)) throw new StoredValueError('invalid byte sequence for encoding "UTF8": 0x00')
  return value
}

/** Code point order ("C" collation); JS's `<` compares UTF-16 code units and puts U+E000–U+FFFF after astral characters. */
export function textCompare(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x < 0xd800 && y < 0xd800) return x - y
    return shift(x) - shift(y)
  }
  return a.length - b.length
}

const shift = (c: number): number => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c)

/** JSONB's object key order: shorter keys first, then by bytes. */
function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a)
  const lb = Buffer.byteLength(b)
  return la - lb || textCompare(a, b)
}

function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const key of Object.keys(value).sort(jsonbKeyOrder)) out[key] = reorder((value as Record<string, unknown>)[key])
  return out
}

/**
 * A JSONB column's stored text: the value as PostgreSQL would give it back (keys reordered,
 * undefined members dropped), or StoredValueError where JSONB refuses it.
 */
export function jsonbText(value: unknown): string {
  // Plain JSON values (what the engine writes) are reordered and checked in one walk; anything
  // else (toJSON, class instances) takes the JSON round trip that applies stringify's rules first.
  const plain = plainJsonb(value)
  return plain === NOT_PLAIN ? jsonbTextByRoundTrip(value) : (JSON.stringify(plain) ?? 'null')
}

/** jsonbText through a JSON round trip: stringify's rules (toJSON, dropped members), then JSONB's. */
export function jsonbTextByRoundTrip(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null'
  if (BAD_JSON_ESCAPE.test(text)) {
    // An escaped backslash before "u0000" also matches: look at the parsed strings.
    if (JSON.stringify(JSON.parse(text), (k, v: unknown) => (badJsonString(k) || (typeof v === 'string' && badJsonString(v)) ? fail() : v)) === undefined) return 'null'
  }
  return JSON.stringify(reorder(JSON.parse(text)))
}

const NOT_PLAIN = Symbol('not plain JSON')
/** Characters that may start a refused string: NUL or a surrogate (paired ones are fine). */
const MAYBE_BAD = /[\u0000\uD800-\uDFFF]/
/** Object key lists seen before → their JSONB order (event shapes repeat). */
const keyOrders = new Map<string, string[]>()
const KEY_ORDERS_KEPT = 4096

function orderedKeys(value: object): string[] {
  const keys = Object.keys(value)
  if (keys.length < 2) return keys
  const shape = keys.join('\u0000')
  let ordered = keyOrders.get(shape)
  if (ordered === undefined) {
    ordered = [...keys].sort(jsonbKeyOrder)
    if (keyOrders.size >= KEY_ORDERS_KEPT) keyOrders.clear()
    keyOrders.set(shape, ordered)
  }
  return ordered
}

/** A copy with JSONB's key order (null-prototype objects), refusing what JSONB refuses; NOT_PLAIN for other than plain data. */
function plainJsonb(value: unknown): unknown {
  if (typeof value === 'string') {
    if (MAYBE_BAD.test(value) && badJsonString(value)) fail()
    return value
  }
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function' ? NOT_PLAIN : value
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length)
    for (let i = 0; i < value.length; i++) {
      const item = plainJsonb(value[i])
      if (item === NOT_PLAIN) return NOT_PLAIN
      out[i] = item
    }
    return out
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return NOT_PLAIN
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const key of orderedKeys(value)) {
    const member = (value as Record<string, unknown>)[key]
    if (member === undefined) continue
    if (MAYBE_BAD.test(key) && badJsonString(key)) fail()
    const copy = plainJsonb(member)
    if (copy === NOT_PLAIN) return NOT_PLAIN
    out[key] = copy
  }
  return out
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const badJsonString = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s)
function fail(): never {
  throw new StoredValueError('unsupported Unicode escape sequence')
}

/** A stored JSONB text read back: a fresh value each time, as every SQL read is. */
export const fromJsonb = <T>(text: string): T => JSON.parse(text) as T
