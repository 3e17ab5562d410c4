// Rule patterns run with RE2 semantics: linear time, unsupported constructs named at the path.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { validateRule } from '../../src/rules/compile.ts'
import { compilePattern, MAX_MATCHED_TEXT } from '../../src/rules/patterns.ts'
import { MONEY_COMPLAINT_PATTERN } from '../../src/rules/starter.ts'

const seed = Number(process.env.CARELOOP_FUZZ_SEED ?? 1111)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 200)

function pattern(source: string) {
  const compiled = compilePattern(source)
  if ('error' in compiled) throw new Error(compiled.error)
  return compiled
}

function ruleErrors(matches: string) {
  return validateRule({
    id: 'p',
    name: 'p',
    triggers: [{ event: 'Complaint Filed', when: { all: [{ fact: 'properties.text', matches }] } }],
    actions: [{ task: { queue: 'care', priority: 'normal', sla: '1h' } }],
  })
}

describe('rule patterns', () => {
  it('runs a catastrophic-backtracking pattern on a long text with RE2, and returns', () => {
    const p = pattern('^(a+)+$')
    expect(p.engine).toBe('re2')
    expect(p.test(`${'a'.repeat(9_999)}b`)).toBe(false)
    expect(p.test('a'.repeat(5_000))).toBe(true)
    // 10k a's then "b": the b is past the matched prefix, so only the a's are matched.
    expect(p.test(`${'a'.repeat(10_000)}b`)).toBe(true)
  })

  it('names unsupported constructs at the field path', () => {
    const cases: Array<[string, string]> = [
      ['(a)\\1', 'backreference \\1'],
      ['(?<n>a)\\k<n>', 'named backreference'],
      ['refund(?=ed)', 'lookahead (?=…)'],
      ['refund(?!ed)', 'negative lookahead (?!…)'],
      ['(?<=re)fund', 'lookbehind (?<=…)'],
      ['(?<!re)fund', 'negative lookbehind (?<!…)'],
      ['(?>a+)b', 'atomic group (?>…)'],
      ['a*+b', 'possessive quantifier *+'],
    ]
    for (const [source, construct] of cases) {
      const errors = ruleErrors(source)
      expect(errors).toHaveLength(1)
      expect(errors[0]?.path).toBe('/triggers/0/when/all/0/matches')
      expect(errors[0]?.message).toContain(`unsupported in patterns: ${construct}`)
    }
    expect(ruleErrors('(')[0]).toMatchObject({ path: '/triggers/0/when/all/0/matches', message: expect.stringMatching(/^invalid regular expression: missing closing \)/) })
    expect(ruleErrors('[(?=]x')).toEqual([])
    expect(ruleErrors('x'.repeat(501))[0]?.message).toMatch(/1–500 characters/)
  })

  it('matches only the first MAX_MATCHED_TEXT characters', () => {
    const p = pattern('needle')
    expect(p.test(`${'x'.repeat(MAX_MATCHED_TEXT - 6)}needle`)).toBe(true)
    expect(p.test(`${'x'.repeat(MAX_MATCHED_TEXT)}needle`)).toBe(false)
  })

  it('keeps the starter pack money-complaint pattern matching what it matched', () => {
    const js = new RegExp(MONEY_COMPLAINT_PATTERN, 'iu')
    const re2 = pattern(MONEY_COMPLAINT_PATTERN)
    const texts = [
      'I was CHARGED twice', 'where is my refund', 'Overcharged!', 'unauthorised payment', 'fraud on my card',
      'I want my money back', '我被多扣了钱', '重複扣款', '退錢', '帳單不對', 'the parcel is late', '快递太慢', 'nice shoes', '',
    ]
    for (const text of texts) expect(re2.test(text), text).toBe(js.test(text))
    expect(ruleErrors(MONEY_COMPLAINT_PATTERN)).toEqual([])
  })

  it('agrees with JavaScript RegExp on simple generated patterns', () => {
    // A grammar both engines read the same way: literals, classes, alternation, groups, anchors
    // and greedy or lazy quantifiers (no \s, \w or \b: their Unicode meanings differ).
    const literal = fc.constantFrom('a', 'b', 'c', 'A', 'é', 'É', '中', '1', '-', ' ', '\\.', '\\?')
    const atom: fc.Arbitrary<string> = fc.letrec<{ atom: string; seq: string }>((tie) => ({
      atom: fc.oneof(
        { maxDepth: 3, depthIdentifier: 'pattern', withCrossShrink: true },
        literal,
        fc.constantFrom('.', '[ab]', '[^a]', '[a-c]', '\\d', '[0-9]'),
        fc.tuple(tie('seq'), tie('seq')).map(([x, y]) => `(${x}|${y})`),
        tie('seq').map((x) => `(?:${x})`),
      ),
      seq: fc
        .array(fc.tuple(tie('atom'), fc.constantFrom('', '', '*', '+', '?', '{1,2}', '*?', '+?')), { minLength: 1, maxLength: 3 })
        .map((parts) => parts.map(([a, q]) => a + q).join('')),
    })).seq
    const source = fc.tuple(fc.constantFrom('', '^'), atom, fc.constantFrom('', '$')).map(([a, b, c]) => a + b + c)
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A', 'B', 'é', 'É', '中', '1', '9', '-', ' ', '.', '?', '\n'), maxLength: 12 })
    fc.assert(
      fc.property(source, text, (src, t) => {
        expect(pattern(src).test(t)).toBe(new RegExp(src, 'iu').test(t))
      }),
      { seed, numRuns },
    )
  })
})
