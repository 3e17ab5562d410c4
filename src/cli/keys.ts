// `careloop keys create|list|rotate|revoke`: manages API keys directly on the operational store
// (like `careloop migrate`), e.g. to make the first admin key before any engine runs.
import { parseArgs } from 'node:util'
import { createKey } from '../care/keys/createKey.ts'
import { listKeys } from '../care/keys/listKeys.ts'
import { revokeKey } from '../care/keys/revokeKey.ts'
import { rotateKey } from '../care/keys/rotateKey.ts'
import { systemClock } from '../lib/clock.ts'
import { isKeyRole, KEY_ROLES } from '../model/apiKey.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

const HELP = `Usage: careloop keys <action> [options]

  create --name NAME --role ROLE [--source SOURCE]   a new key, printed once (roles: ${KEY_ROLES.join(', ')};
                                                      ingest keys need --source, one live key per source)
  list [--revoked]                                    the keys (never the keys themselves), as JSON lines
  rotate ID                                           a new secret for key ID, printed once; the old one stops working
  revoke ID                                           key ID stops working in every engine process
  --as NAME                                           who the audit log names (default cli:$USER)

Works on the operational store the environment names (DATABASE_URL, else PGlite in CARELOOP_DATA_DIR).
Changes are audited as the operator (--as NAME, default $USER).
`

const ACTOR = { name: process.env.USER ? `cli:${process.env.USER}` : 'cli', role: 'admin' }

function usage(message: string): number {
  process.stderr.write(`careloop keys: ${message}\n\n${HELP}`)
  return 2
}

function noKey(id: string | undefined): number {
  process.stderr.write(`careloop keys: no live key ${JSON.stringify(id)} (see careloop keys list)\n`)
  return 2
}

type Parsed = { action: string; id: string | undefined; values: { name?: string; role?: string; source?: string; revoked?: boolean; as?: string } }

function parse(argv: string[]): Parsed | string {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, role: { type: 'string' }, source: { type: 'string' }, revoked: { type: 'boolean' }, as: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    })
    if (values.help) return 'help'
    const [action, id, ...extra] = positionals
    if (!action) return 'an action is required: create, list, rotate or revoke'
    if (extra.length > 0) return `unexpected arguments: ${extra.join(' ')}`
    if (action === 'create') {
      if (id !== undefined) return 'create takes no positional argument (use --name)'
      if (!values.name) return 'create needs --name'
      if (!isKeyRole(values.role)) return `create needs --role, one of ${KEY_ROLES.join(', ')}`
    } else if (action === 'rotate' || action === 'revoke') {
      if (!id) return `${action} needs the key's id (see careloop keys list)`
    } else if (action !== 'list') return `unknown action "${action}"`
    return { action, id, values }
  } catch (err) {
    return (err as Error).message
  }
}

export async function runKeys(argv: string[]): Promise<number> {
  const parsed = parse(argv)
  if (parsed === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  if (typeof parsed === 'string') return usage(parsed)
  // Loaded only past the options: --help and bad input answer without loading the stores.
  const { openStores } = await import('../stores.ts')
  const { loadConfig } = await import('../config.ts')
  const { ops, history } = await openStores(loadConfig())
  try {
    return await act(ops, parsed)
  } finally {
    await Promise.all([ops.close(), history.close()])
  }
}

async function act(ops: OperationalStore, { action, id, values }: Parsed): Promise<number> {
  const deps = { ops, clock: systemClock }
  const actor = values.as ? { ...ACTOR, name: values.as } : ACTOR
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)
  if (action === 'list') {
    for (const key of await listKeys(deps, { includeRevoked: values.revoked ?? false })) print(key)
    return 0
  }
  if (action === 'create') {
    const result = await createKey(deps, { name: values.name as string, role: values.role as never, source: values.source, actor })
    if (!result.ok) return usage(result.reason === 'invalid' ? result.errors.map((e) => `${e.path.slice(1)} ${e.message}`).join('; ') : 'this source has a live ingest key: rotate or revoke it')
    print({ ...result.key, key: result.secret })
    return 0
  }
  if (action === 'rotate') {
    const result = await rotateKey(deps, { id: id as string, actor })
    if (!result.ok) return noKey(id)
    print({ ...result.key, key: result.secret, replaced: result.replaced })
    return 0
  }
  const result = await revokeKey(deps, { id: id as string, actor })
  if (!result.ok) return noKey(id)
  print(result.key)
  return 0
}
