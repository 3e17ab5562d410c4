// Turns ajv's errors into the project's field errors: a JSON pointer to the field and a reason in
// plain words, one per field. A field that may be one of several constants ("customer" or
// "entity", written as anyOf) gets one line naming them all, and the nearest when it is a typo.
import type { ErrorObject } from 'ajv'
import type { FieldError } from './conditions.ts'
import { didYouMean } from './suggest.ts'

/** The value at a JSON pointer inside `root` (own properties only), or undefined. */
function valueAt(root: unknown, pointer: string): unknown {
  let value = root
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = '', root?: unknown): FieldError[] {
  const out: FieldError[] = []
  // Constants allowed at a path, gathered over the branches of an anyOf.
  const allowedAt = new Map<string, unknown[]>()
  for (const e of errors ?? []) {
    if (e.keyword === 'const' || e.keyword === 'enum') {
      const allowed = e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[])
      allowedAt.set(e.instancePath, [...(allowedAt.get(e.instancePath) ?? []), ...allowed])
    }
  }
  for (const e of errors ?? []) {
    let path = prefix + e.instancePath
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required') {
      path += `/${String(e.params.missingProperty)}`
      message = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      path += `/${String(e.params.additionalProperty)}`
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      message = `is not a known field${didYouMean(String(e.params.additionalProperty), known)}`
    } else if (e.keyword === 'const' || e.keyword === 'enum' || (e.keyword === 'anyOf' && allowedAt.has(e.instancePath))) {
      const allowed = allowedAt.get(e.instancePath) ?? []
      const value = valueAt(root, e.instancePath)
      const hint = typeof value === 'string' ? didYouMean(value, allowed.filter((v): v is string => typeof v === 'string')) : ''
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${hint}`
    } else if (e.keyword === 'pattern' && e.parentSchema?.description) {
      message = `must be ${String(e.parentSchema.description)}`
    }
    if (!out.some((x) => x.path === (path || '/') && x.message === message)) out.push({ path: path || '/', message })
  }
  return out
}
