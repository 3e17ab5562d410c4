// The console's Traditional Chinese strings are generated from its Simplified ones; the committed
// file must match what the generator makes of today's sources, so no zh-CN string ships without
// its zh-TW form.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { chineseStrings, generate, OUTPUT } from '../../scripts/zh-tw.ts'

describe('zh-TW console strings', () => {
  it('are up to date with the zh-CN strings (run `npx tsx scripts/zh-tw.ts` after changing them)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generate())
  })

  it('are read from quoted literals, escapes undone, other text left out', () => {
    expect(chineseStrings(`x('认领', "队列 \\"A\\"", 'plain', \`模板\`)`)).toEqual(['认领', '队列 "A"'])
  })
})
