// The layering the README's layout section describes, held by the code: each top-level folder of
// src imports only from folders in lower layers, no module imports itself back through others,
// src/rules stays pure (no IO, no clock) and no source file grows past 400 lines.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', 'src')

/** Lowest first; a folder imports only from folders of a lower layer (or from itself). */
const LAYERS: readonly (readonly string[])[] = [
  ['lib'],
  ['model'],
  ['rules', 'store'],
  ['stream', 'channels', 'analytics'],
  ['replay', 'care', 'config'],
  ['api', 'jobs', 'demo', 'stores'],
  ['app'],
  ['main'],
  ['cli'],
]
const MAX_LINES = 400

const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

/** Top-level folder (or file stem) of a path under src. */
const unitOf = (file: string): string => (relative(SRC, file).split('/')[0] as string).replace(/\.ts$/, '')

const files = sourceFiles(SRC)
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]))

/** Relative imports (static, type-only and dynamic) resolved to files. */
function importsOf(file: string): string[] {
  const found: string[] = []
  for (const m of (text.get(file) as string).matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push(normalize(join(dirname(file), m[1] as string)))
  }
  return found
}

/** Module specifiers that are not relative (packages and node built-ins). */
function packagesOf(file: string): string[] {
  return [...(text.get(file) as string).matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^./'"][^'"]*)['"]/g)].map((m) => m[1] as string)
}

describe('architecture', () => {
  it('knows the layer of every top-level folder of src', () => {
    expect([...new Set(files.map(unitOf))].filter((u) => !layerOf.has(u))).toEqual([])
  })

  it('imports point downward only', () => {
    const upward: string[] = []
    for (const file of files) {
      const from = unitOf(file)
      for (const target of importsOf(file)) {
        const to = unitOf(target)
        if (to === from) continue
        if (!((layerOf.get(to) ?? Infinity) < (layerOf.get(from) ?? -1))) upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`)
      }
    }
    expect(upward).toEqual([])
  })

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => text.has(t))]))
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open')
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(SRC, f)).join(' → '))
        else if (!state.has(next)) visit(next, [...path, next])
      }
      state.set(file, 'done')
    }
    for (const file of files) if (!state.has(file)) visit(file, [file])
    expect(cycles).toEqual([])
  })

  it('keeps src/rules pure: no IO modules, no clock', () => {
    const IO = /^(node:)?(fs|fs\/promises|net|http|https|child_process|worker_threads|dgram|dns|tls|os|process)$|^(pg|kafkajs|@clickhouse\/client|@electric-sql\/pglite|chdb|nodemailer|fastify|node-cron)$/
    const impure: string[] = []
    for (const file of files.filter((f) => unitOf(f) === 'rules')) {
      for (const pkg of packagesOf(file)) if (IO.test(pkg)) impure.push(`${relative(SRC, file)} imports ${pkg}`)
      const code = (text.get(file) as string).replace(/\/\/.*$/gm, '')
      if (/\bDate\.now\s*\(|\bnew Date\s*\(\s*\)|\bperformance\.now\s*\(|\bprocess\./.test(code)) impure.push(`${relative(SRC, file)} reads the clock or the process`)
    }
    expect(impure).toEqual([])
  })

  it(`keeps every source file within ${MAX_LINES} lines`, () => {
    const long = files.map((f) => [relative(SRC, f), (text.get(f) as string).split('\n').length] as const).filter(([, n]) => n > MAX_LINES + 1)
    expect(long).toEqual([])
  })
})
