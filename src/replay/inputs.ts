// Inputs of a replay from files: rules (a JSON/YAML file with one rule or a list, or a directory of
// such files), a guard policy, and a trace (JSONL, or a JSON array). Every problem names the file
// and the field path, so a bad rule can be fixed without guessing.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { Ajv } from 'ajv'
import Type from 'typebox'
import { DEFAULT_GUARD_POLICY, GuardPolicySchema, type GuardPolicy } from '../channels/guards/index.ts'
import { compileRule, parseRuleText, type FieldError } from '../rules/index.ts'
import { toFieldErrors } from '../rules/schemaErrors.ts'
import type { SandboxRule } from './Sandbox.ts'

export class InputError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  ${p}`).join('\n')}` : message)
  }
}

const RULE_EXTENSIONS = new Set(['.json', '.yaml', '.yml'])

const describe = (errors: readonly FieldError[]): string => errors.map((e) => `${e.path} ${e.message}`).join('; ')

/** Rule documents in a parsed value: one rule, a list, or `{ rules: [...] }`. */
function documentsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (value !== null && typeof value === 'object' && Array.isArray((value as { rules?: unknown }).rules)) return (value as { rules: unknown[] }).rules
  return [value]
}

/** Validates rule documents; throws InputError listing every invalid rule with its field paths. */
export function checkRules(documents: ReadonlyArray<{ document: unknown; where: string }>): SandboxRule[] {
  const problems: string[] = []
  const ids = new Map<string, string>()
  for (const { document, where } of documents) {
    const result = compileRule({ document })
    if (!result.ok) {
      problems.push(`${where}: ${describe(result.errors)}`)
      continue
    }
    const seen = ids.get(result.rule.id)
    if (seen) problems.push(`${where}: /id ${result.rule.id} is already defined at ${seen}`)
    ids.set(result.rule.id, where)
  }
  if (problems.length > 0) throw new InputError('invalid rules:', problems)
  return documents.map(({ document }) => ({ document }))
}

/** Loads rules from a file or a directory (its .json/.yaml/.yml files, by name). */
export function loadRules(path: string): SandboxRule[] {
  let files: string[]
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => RULE_EXTENSIONS.has(extname(f).toLowerCase()))
          .sort()
          .map((f) => join(path, f))
      : [path]
  } catch (err) {
    throw new InputError(`cannot read rules at ${path}: ${(err as Error).message}`)
  }
  if (files.length === 0) throw new InputError(`no .json, .yaml or .yml rule files in ${path}`)
  const documents: Array<{ document: unknown; where: string }> = []
  const problems: string[] = []
  for (const file of files) {
    const parsed = parseRuleText(readFileSync(file, 'utf8'))
    if (!parsed.ok) {
      problems.push(`${file}: ${describe(parsed.errors)}`)
      continue
    }
    const docs = documentsIn(parsed.value)
    docs.forEach((document, i) => documents.push({ document, where: docs.length > 1 ? `${file} [${i}]` : file }))
  }
  if (problems.length > 0) throw new InputError('invalid rules:', problems)
  return checkRules(documents)
}

const validatePolicy = new Ajv({ allErrors: true, strict: false }).compile(Type.Partial(GuardPolicySchema))

/** Field errors of a partial guard policy (JSON/YAML value); none when it is valid. */
export function policyErrors(value: unknown, prefix = ''): FieldError[] {
  return validatePolicy(value) ? [] : toFieldErrors(validatePolicy.errors, prefix)
}

/** A partial guard policy merged over the default; throws InputError naming the fields. */
export function checkPolicy(value: unknown, where = 'policy'): GuardPolicy {
  const errors = policyErrors(value)
  if (errors.length > 0) throw new InputError('invalid guard policy:', errors.map((e) => `${where}: ${e.path} ${e.message}`))
  return { ...DEFAULT_GUARD_POLICY, ...(value as Partial<GuardPolicy>) }
}

export function loadPolicy(path: string): GuardPolicy {
  const parsed = parseRuleText(readFileSync(path, 'utf8'))
  if (!parsed.ok) throw new InputError('invalid guard policy:', [`${path}: ${describe(parsed.errors)}`])
  return checkPolicy(parsed.value, path)
}

/** Segment messages from JSONL text (blank lines skipped) or a JSON array. */
export function parseTrace(text: string, where = 'trace'): unknown[] {
  if (text.trimStart().startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text)
      if (Array.isArray(value)) return value
    } catch (err) {
      throw new InputError(`${where}: not a JSON array: ${(err as Error).message}`)
    }
  }
  const messages: unknown[] = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    try {
      messages.push(JSON.parse(line))
    } catch (err) {
      throw new InputError(`${where}:${i + 1}: not JSON: ${(err as Error).message}`)
    }
  })
  return messages
}
