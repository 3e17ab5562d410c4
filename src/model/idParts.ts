// Composite ids (idempotency keys, timer ids, hand-off log ids) join input-derived parts with ':'.
// Customer ids, entities and message ids may hold ':' themselves, so a raw join can give two
// shoppers the same id, and the store then silently keeps only the first one's decision or timer.
// A part is percent-escaped (':' → %3A, '%' → %25) only when, written raw, it could be read across
// a separator: every id whose parts could not be misread stays as it always was (no upgrade step
// for them), and the escaped ones hold no ':' at all. Raw parts never contain "%3A" or "%25" (such
// parts are escaped too), so an escaped part is never equal to a raw one.

const ESCAPE_MARK = /%(?:25|3A)/

function escaped(part: string): string {
  return part.replaceAll('%', '%25').replaceAll(':', '%3A')
}

/** A part with a separator only on one side (first or last): escaped when it holds a ':'. */
export function edgePart(part: string): string {
  return part.includes(':') || ESCAPE_MARK.test(part) ? escaped(part) : part
}

/**
 * A part between fixed words: escaped when, raw, it would contain or end in ":word:" / ":word"
 * for one of `words` (what follows it), the only way it could be misread.
 */
export function partBefore(part: string, words: RegExp): string {
  return ESCAPE_MARK.test(part) || words.test(part) ? escaped(part) : part
}

/** A pattern for `partBefore`: ':' then one of the words, then ':' or the end. */
export function separatorWords(words: readonly string[]): RegExp {
  return new RegExp(`:(?:${words.join('|')})(?::|$)`)
}
