// A line diff by longest common subsequence: small, pure, for documents of a few hundred lines
// (rule versions). Common head and tail lines are matched before the quadratic table is built.

export interface DiffLine {
  /** '=' in both, '-' only in the old text, '+' only in the new one. */
  op: '=' | '-' | '+'
  text: string
}

export interface LineDiff {
  lines: DiffLine[]
  added: number
  removed: number
}

/** Beyond this many table cells the middle is shown as removed-then-added instead. */
const MAX_CELLS = 4_000_000

export function diffLines(before: readonly string[], after: readonly string[]): LineDiff {
  let head = 0
  while (head < before.length && head < after.length && before[head] === after[head]) head++
  let tail = 0
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++
  const a = before.slice(head, before.length - tail)
  const b = after.slice(head, after.length - tail)
  const middle = (a.length + 1) * (b.length + 1) <= MAX_CELLS ? lcsDiff(a, b) : [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))]
  const lines: DiffLine[] = [
    ...before.slice(0, head).map((text) => ({ op: '=' as const, text })),
    ...middle,
    ...before.slice(before.length - tail).map((text) => ({ op: '=' as const, text })),
  ]
  return { lines, added: lines.filter((l) => l.op === '+').length, removed: lines.filter((l) => l.op === '-').length }
}

/** Splits a text into lines, without a trailing empty line for a final newline. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The diff as text: one line per entry, prefixed "  ", "- " or "+ ". */
export function formatDiff(diff: LineDiff): string {
  return diff.lines.map((l) => `${l.op === '=' ? ' ' : l.op} ${l.text}`).join('\n')
}

function lcsDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length
  const m = b.length
  const width = m + 1
  // table[i * width + j]: length of the LCS of a[i..] and b[j..]
  const table = new Uint32Array((n + 1) * width)
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? (table[(i + 1) * width + j + 1] as number) + 1 : Math.max(table[(i + 1) * width + j] as number, table[i * width + j + 1] as number)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: '=', text: a[i] as string })
      i++
      j++
    } else if ((table[(i + 1) * width + j] as number) >= (table[i * width + j + 1] as number)) {
      out.push({ op: '-', text: a[i++] as string })
    } else {
      out.push({ op: '+', text: b[j++] as string })
    }
  }
  while (i < n) out.push({ op: '-', text: a[i++] as string })
  while (j < m) out.push({ op: '+', text: b[j++] as string })
  return out
}
