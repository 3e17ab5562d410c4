// One template file per locale holds several parts, each introduced by a Handlebars comment on a
// line of its own, e.g. `{{!-- @subject --}}`. The markers are valid Handlebars, so editors that
// highlight .hbs files keep working.

const MARKER = /^[ \t]*\{\{!--[ \t]*@([a-z][a-z0-9-]*)[ \t]*--\}\}[ \t]*$/
/** Lines allowed before the first marker: blank, or a one-line Handlebars comment (notes). */
const PREAMBLE = /^[ \t]*(\{\{!--.*--\}\}|\{\{![^-].*\}\})?[ \t]*$/

/** Section name → source text. Throws on text before the first marker and on duplicates. */
export function parseSections(source: string, file: string): Map<string, string> {
  const sections = new Map<string, string>()
  let current: string | undefined
  let lines: string[] = []
  const flush = (): void => {
    if (current === undefined) {
      if (!lines.every((l) => PREAMBLE.test(l))) throw new Error(`${file}: text before the first {{!-- @section --}} marker`)
    } else {
      // Blank lines before the next marker are spacing in the file, not content; a single
      // final newline stays, as at the end of any .hbs file, so a standalone {{> partial}}
      // line keeps the line break after it.
      sections.set(current, lines.join('\n').replace(/\n+$/, '') + '\n')
    }
  }
  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    const match = MARKER.exec(line)
    if (match?.[1] === undefined) {
      lines.push(line)
      continue
    }
    flush()
    if (sections.has(match[1])) throw new Error(`${file}: section @${match[1]} appears twice`)
    current = match[1]
    lines = []
  }
  flush()
  return sections
}
