// The SQL adapter under every store: value types, array parameters, transactions.
import { describe, expect, it } from 'vitest'
import { type ContractContext } from './fixtures.ts'

export function sqlAdapterContract({ freshStore }: ContractContext): void {
  describe('SQL adapter', () => {
    const store = freshStore()

    it('answers ping', async () => {
      expect(await store().ping()).toBe(true)
    })

    it('returns BIGINT and count(*) as numbers, beyond 2^53 as bigint (never rounded), JSONB parsed', async () => {
      const { rows } = await store().db.query<Record<string, unknown>>(
        `SELECT 1784201234567::bigint AS ms, count(*) AS n, 9007199254740993::bigint AS big, 7::int AS i,
                true AS b, '{"a":[1,"x",null]}'::jsonb AS j, NULL::bigint AS nothing`,
      )
      expect(rows[0]).toEqual({ ms: 1784201234567, n: 1, big: 9007199254740993n, i: 7, b: true, j: { a: [1, 'x', null] }, nothing: null })
    })

    it('passes arrays as array parameters', async () => {
      const { rows } = await store().db.query<{ n: number }>('SELECT count(*) AS n FROM unnest($1::int[]) AS x WHERE x = ANY($2::int[])', [
        [1, 2, 3],
        [2, 3, 4],
      ])
      expect(rows[0]?.n).toBe(2)
    })

    it('commits a transaction when fn resolves, rolls it back when fn throws; nested transactions join the outer one', async () => {
      const db = store().db
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-a', '1')`)
        await tx.transaction((inner) => inner.query(`INSERT INTO settings (key, value) VALUES ('tx-b', '2')`))
      })
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-c', '3')`)
          await tx.transaction((inner) => inner.query(`INSERT INTO settings (key, value) VALUES ('tx-d', '4')`))
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-e', '5')`)
          await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-e', '6')`) // duplicate key: the statement fails
        }),
      ).rejects.toThrow(/duplicate key|unique/i)
      expect(await store().settings.get('tx-a')).toBe(1)
      expect(await store().settings.get('tx-b')).toBe(2)
      for (const key of ['tx-c', 'tx-d', 'tx-e']) expect(await store().settings.get(key)).toBeUndefined()
    })
  })
}
