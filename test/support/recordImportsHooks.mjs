// Module hooks of recordImports.mjs (they run on the loader's thread).
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  const file = process.env.CARELOOP_RECORD_IMPORTS
  if (file) appendFileSync(file, `${resolved.url}\n`)
  return resolved
}
