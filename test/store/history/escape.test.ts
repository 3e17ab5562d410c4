// quoteString / quoteIdentifier fuzzed through a real engine's parser (chDB in-process): whatever
// the string, `SELECT <quoted>` must give it back unchanged.
import type { ClickHouseClient } from '@clickhouse/client'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quoteIdentifier, quoteNumber, quoteString } from '../../../src/store/history/escape.ts'
import { createHistoryClient } from '../../../src/store/history/openHistoryStore.ts'
import { echoStringQuery } from '../../../src/store/history/sql.ts'
import { tempDir } from './fixtures.ts'

// Characters that matter to SQL lexing, mixed into otherwise arbitrary code points.
const nasty = fc.constantFrom(
  "'", '\\', '`', '"', '\u0000', '\n', '\r', '\t', '?', '{', '}', ':', ';', '-', '/', '*', '$',
  '\u2028', '\u00e9', '\ud83d\ude00', '\u0085', '\ufeff', '\u007f',
)
const anyString = fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 60 })

const dir = tempDir('history-escape')
let client: ClickHouseClient

beforeAll(async () => {
  client = await createHistoryClient({ dataDir: dir.path })
})
afterAll(async () => {
  await client?.close()
  dir.remove()
})

async function echo(value: string): Promise<unknown> {
  const result = await client.query({ query: echoStringQuery(value), format: 'JSONEachRow' })
  const rows = await result.json<{ value: unknown }>()
  return rows[0]?.value
}

describe('quoteString', () => {
  it('escapes backslash before the quote', () => {
    expect(quoteString("it's")).toBe("'it\\'s'")
    expect(quoteString('a\\b')).toBe("'a\\\\b'")
    expect(quoteString("\\'")).toBe("'\\\\\\''")
  })

  it('round-trips hand-picked strings through the engine', async () => {
    for (const s of ['', "'", "''", '\\', "\\'", "\\\\'", 'a\u0000b', 'line\nbreak\r\n', '\\n', '{x:String}', '😀ü', '\\x41']) {
      expect(await echo(s)).toBe(s)
    }
  })

  it('round-trips arbitrary strings through the engine (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        expect(await echo(s)).toBe(s)
      }),
      { numRuns: 500 },
    )
  })

  it('rejects non-strings', () => {
    expect(() => quoteString(1 as unknown as string)).toThrow(TypeError)
  })
})

describe('quoteIdentifier', () => {
  it('round-trips arbitrary names as a column alias (fuzz)', async () => {
    const name = anyString.filter((s) => s.length > 0)
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        const result = await client.query({ query: `SELECT 1 AS ${quoteIdentifier(n)}`, format: 'JSONEachRow' })
        expect(Object.keys((await result.json<Record<string, unknown>>())[0] ?? {})).toEqual([n])
      }),
      { numRuns: 200 },
    )
  })

  it('rejects an empty name', () => {
    expect(() => quoteIdentifier('')).toThrow(TypeError)
  })
})

describe('quoteNumber', () => {
  it('accepts finite numbers and refuses NaN, infinities and unsafe integers', () => {
    expect(quoteNumber(0)).toBe('0')
    expect(quoteNumber(-12.5)).toBe('-12.5')
    expect(quoteNumber(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991')
    for (const bad of [Number.NaN, Infinity, -Infinity, 2 ** 60]) expect(() => quoteNumber(bad)).toThrow()
    expect(() => quoteNumber('1' as unknown as number)).toThrow(TypeError)
  })
})
