// The in-memory sandbox's JSONB emulation: the one-walk path gives the same text, or the same
// refusal, as the JSON round trip it replaces, for any JSON-like value (NUL, lone and paired
// surrogates, keys of every length, "__proto__", undefined members, nested arrays, toJSON).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonbText, jsonbTextByRoundTrip } from '../../src/replay/memory/values.ts'

const outcome = (f: () => string): { text: string } | { refused: string } => {
  try {
    return { text: f() }
  } catch (err) {
    return { refused: (err as Error).message }
  }
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\u0000', '\ud800', '\udc00x', '\ud83d\ude00', '__proto__', 'é', '\ue000', 'ab', 'b'))
const leaf = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date())
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(text, tie('node')), fc.object()),
})).node

describe('jsonbText', () => {
  it('gives what the JSON round trip gives, text or refusal', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => jsonbText(v))).toEqual(outcome(() => jsonbTextByRoundTrip(v)))
      }),
      { numRuns: 2000 },
    )
  })

  it('orders keys as JSONB does and refuses NUL and lone surrogates', () => {
    expect(jsonbText({ bb: 1, a: { d: [undefined, 2], c: undefined }, ['__proto__']: 3, é: 4 })).toBe('{"a":{"d":[null,2]},"bb":1,"é":4,"__proto__":3}')
    expect(() => jsonbText({ a: 'x\u0000' })).toThrow(/0x00|Unicode/)
    expect(() => jsonbText(['\ud800'])).toThrow(/Unicode/)
    expect(jsonbText({ a: '\ud83d\ude00' })).toBe('{"a":"😀"}')
  })
})
