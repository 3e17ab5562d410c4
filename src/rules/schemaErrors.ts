// Turns ajv's errors into the project's field errors: a JSON pointer to the field and a reason.
import type { ErrorObject } from 'ajv'
import type { FieldError } from './conditions.ts'

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const out: FieldError[] = []
  for (const e of errors ?? []) {
    let path = prefix + e.instancePath
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required') {
      path += `/${String(e.params.missingProperty)}`
      message = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      path += `/${String(e.params.additionalProperty)}`
      message = 'is not a known field'
    } else if (e.keyword === 'const' || e.keyword === 'enum') {
      const allowed = e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[])
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
    } else if (e.keyword === 'pattern' && e.parentSchema?.description) {
      message = `must be ${String(e.parentSchema.description)}`
    }
    if (!out.some((x) => x.path === path && x.message === message)) out.push({ path: path || '/', message })
  }
  return out
}
