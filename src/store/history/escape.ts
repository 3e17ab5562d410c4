// The one place where values become SQL text for the history store.
// ClickHouse 18.16 has no query parameters ({x:String}), so every value built into SQL goes
// through these functions; test/store/history/escape.test.ts fuzzes them against a real engine.

/**
 * A ClickHouse string literal. Backslash first (so the escapes added for quotes are not doubled),
 * then the single quote. Everything else, NUL and newlines included, is literal inside quotes
 * on both 18.16 and 26.x (checked by the fuzz test).
 */
export function quoteString(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`quoteString: expected a string, got ${typeof value}`)
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A ClickHouse identifier in backticks (database, table or column name). */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('quoteIdentifier: expected a non-empty string')
  }
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``
}

/** A numeric literal; NaN and ±Infinity are rejected rather than turned into SQL. */
export function quoteNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`quoteNumber: expected a finite number, got ${String(value)}`)
  }
  // String(1e21) is "1e+21": valid ClickHouse, but a Float64; keep integers exact and plain.
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new RangeError(`quoteNumber: integer ${value} is outside the safe integer range`)
  }
  return String(value)
}
