// Setting one value in a rule document by JSON pointer (RFC 6901), on a copy. Pointers come from
// requests: every segment is an own key or an index in range, and "__proto__" or "constructor"
// are ordinary names, never the prototype.

export type PointerResult = { ok: true; document: unknown } | { ok: false; error: string }

/** The pointer's segments, unescaped (~1 → /, ~0 → ~), or an error. */
export function pointerSegments(pointer: string): string[] | { error: string } {
  if (pointer === '' || !pointer.startsWith('/')) return { error: 'must be a JSON pointer such as /triggers/0/absence/grace' }
  const segments = pointer.slice(1).split('/')
  if (segments.some((s) => /~(?![01])/.test(s))) return { error: 'has a "~" not followed by 0 or 1' }
  return segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => v !== null && typeof v === 'object'

/**
 * A copy of `document` with the value at `pointer` set. Every segment but the last must exist;
 * the last may add a key to an object, but only replace an array item.
 */
export function setPointer(document: unknown, pointer: string, value: unknown): PointerResult {
  const segments = pointerSegments(pointer)
  if (!Array.isArray(segments)) return { ok: false, error: segments.error }
  if (!isContainer(document)) return { ok: false, error: 'the rule document is not an object' }
  const copy = structuredClone(document) as Record<string, unknown>
  let node: unknown = copy
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1
    const where = `/${segments.slice(0, i + 1).join('/')}`
    if (Array.isArray(node)) {
      const index = /^(0|[1-9]\d{0,5})$/.test(segment) ? Number(segment) : -1
      if (index < 0 || index >= node.length) return { ok: false, error: `${where}: no such item (the list has ${node.length})` }
      if (last) node[index] = structuredClone(value)
      else node = node[index]
      continue
    }
    if (!isContainer(node)) return { ok: false, error: `${where}: its parent is not an object or a list` }
    const owned = Object.hasOwn(node, segment)
    if (last) {
      Object.defineProperty(node, segment, { value: structuredClone(value), enumerable: true, writable: true, configurable: true })
      break
    }
    if (!owned) return { ok: false, error: `${where}: no such field in the rule` }
    node = (node as Record<string, unknown>)[segment]
  }
  return { ok: true, document: copy }
}
