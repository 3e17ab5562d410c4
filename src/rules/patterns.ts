// Patterns written by ops (rule `matches`) run with RE2 semantics: matching time is linear in the
// text, whatever the pattern. JavaScript's backtracking RegExp needs hours for "^(a+)+$" on a
// 40-character complaint; RE2 has no backreferences or lookaround, which is what makes it safe.
import { RE2JS } from 're2js'

/** Only the first this many characters of a text are matched (documented in the README). */
export const MAX_MATCHED_TEXT = 10_000
export const MAX_PATTERN_LENGTH = 500

export interface CompiledPattern {
  /** True when the pattern occurs in the first MAX_MATCHED_TEXT characters of `text`. */
  test(text: string): boolean
  readonly source: string
  readonly engine: 're2'
}

const GROUP_CONSTRUCTS: ReadonlyArray<[string, string]> = [
  ['(?<=', 'lookbehind (?<=…)'],
  ['(?<!', 'negative lookbehind (?<!…)'],
  ['(?=', 'lookahead (?=…)'],
  ['(?!', 'negative lookahead (?!…)'],
  ['(?>', 'atomic group (?>…)'],
]

/** Names the first construct RE2 does not support, for the error message. */
export function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '\\') {
      const next = pattern[i + 1] ?? ''
      if (!inClass && next >= '1' && next <= '9') return `backreference \\${/^\d+/.exec(pattern.slice(i + 1))?.[0]}`
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return `named backreference \\k<…>`
      if (next === 'u') return 'escape \\u (write \\x{…} instead)'
      if (next === 'c') return 'control escape \\c'
      i++
      continue
    }
    if (inClass) {
      if (ch === ']') inClass = false
      continue
    }
    if (ch === '[') {
      inClass = true
      if (pattern[i + 1] === '^') i++
      if (pattern[i + 1] === ']') i++
      continue
    }
    if (ch === '(') {
      for (const [prefix, name] of GROUP_CONSTRUCTS) if (pattern.startsWith(prefix, i)) return name
    }
    if ((ch === '*' || ch === '+' || ch === '?' || ch === '}') && pattern[i + 1] === '+') return `possessive quantifier ${ch}+`
  }
  return undefined
}

/** Compiles a case-insensitive RE2 pattern, or says why it cannot be used. */
export function compilePattern(source: string): CompiledPattern | { error: string } {
  if (source.length === 0 || source.length > MAX_PATTERN_LENGTH) {
    return { error: `must be a regular expression of 1–${MAX_PATTERN_LENGTH} characters` }
  }
  let re: RE2JS
  try {
    re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE)
  } catch (err) {
    const construct = unsupportedConstruct(source)
    if (construct !== undefined) return { error: `unsupported in patterns: ${construct}` }
    return { error: `invalid regular expression: ${(err as Error).message.replace(/^error parsing regexp: /, '')}` }
  }
  return {
    source,
    engine: 're2',
    // test() is boolean matching on the lazy DFA; matcher().find() would track positions on the NFA.
    test: (text) => re.test(text.length > MAX_MATCHED_TEXT ? text.slice(0, MAX_MATCHED_TEXT) : text),
  }
}
