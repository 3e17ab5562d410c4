// Argument parsing shared by `careloop export` and `careloop erase`: one shopper id, options,
// and the exit-2 usage errors the CLI promises.
import { userInfo } from 'node:os'
import { parseArgs, type ParseArgsConfig } from 'node:util'

export type Parsed<V> = { ok: true; id: string; values: V } | { ok: false; code: number }

export function parseIdArgs<V>(command: string, help: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>): Parsed<V> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } })
  } catch (err) {
    process.stderr.write(`careloop ${command}: ${(err as Error).message}\n\n${help}`)
    return { ok: false, code: 2 }
  }
  if (parsed.values['help']) {
    process.stdout.write(help)
    return { ok: false, code: 0 }
  }
  const [id, ...extra] = parsed.positionals
  if (id === undefined || id.trim() === '' || extra.length > 0 || id.length > 200) {
    process.stderr.write(`careloop ${command}: give exactly one shopper id (1-200 characters)\n\n${help}`)
    return { ok: false, code: 2 }
  }
  return { ok: true, id, values: parsed.values as V }
}

/** Who the audit log names for a CLI action. */
export function cliActor(by: string | undefined): { name: string; role: string } {
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    // No passwd entry (some containers): the audit row still says it came from the CLI.
  }
  return { name: by ?? `cli:${user}`, role: 'admin' }
}
