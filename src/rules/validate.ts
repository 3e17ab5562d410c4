// Rule documents in, validated documents or field errors out. Accepts objects, JSON or YAML text.
import { Ajv, type ValidateFunction } from 'ajv'
import Type from 'typebox'
import { parse as parseYaml } from 'yaml'
import { repairValue } from '../lib/text.ts'
import type { FieldError } from './conditions.ts'
import {
  AbsenceTriggerSchema,
  ScheduleTriggerSchema,
  EventTriggerSchema,
  NudgeActionSchema,
  RuleDocumentSchema,
  TaskActionSchema,
  type RuleDocument,
} from './document.ts'
import { toFieldErrors } from './schemaErrors.ts'

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true })

// Triggers and actions are checked one by one against the schema their discriminating key
// names, so an error says "/triggers/1/absence/entity is required" rather than listing every
// branch of a union.
const ShellSchema = Type.Object(
  {
    ...RuleDocumentSchema.properties,
    triggers: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 20 }),
    actions: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
)

const validators = {
  shell: ajv.compile(ShellSchema),
  eventTrigger: ajv.compile(EventTriggerSchema),
  absenceTrigger: ajv.compile(AbsenceTriggerSchema),
  scheduleTrigger: ajv.compile(ScheduleTriggerSchema),
  nudge: ajv.compile(NudgeActionSchema),
  task: ajv.compile(TaskActionSchema),
}

function check(validate: ValidateFunction, value: unknown, prefix: string, errors: FieldError[]): void {
  if (!validate(value)) errors.push(...toFieldErrors(validate.errors, prefix, value))
}

export type ParseResult = { ok: true; document: RuleDocument } | { ok: false; errors: FieldError[] }

/** Checks the document's shape (not its conditions: the compiler does those). */
export function checkRuleShape(input: unknown): ParseResult {
  const errors: FieldError[] = []
  check(validators.shell, input, '', errors)
  if (input === null || typeof input !== 'object') return { ok: false, errors }
  // Items are checked even when the shell has errors, so one round shows every mistake.
  const { triggers, actions } = input as { triggers?: unknown; actions?: unknown }
  if (Array.isArray(triggers)) {
    triggers.forEach((trigger: unknown, i) => {
      if (trigger === null || typeof trigger !== 'object') return
      const validate = 'absence' in trigger ? validators.absenceTrigger : 'schedule' in trigger ? validators.scheduleTrigger : validators.eventTrigger
      check(validate, trigger, `/triggers/${i}`, errors)
    })
  }
  if (Array.isArray(actions)) {
    actions.forEach((action: unknown, i) => {
      if (action === null || typeof action !== 'object') return
      if ('nudge' in action) check(validators.nudge, action, `/actions/${i}`, errors)
      else if ('task' in action) check(validators.task, action, `/actions/${i}`, errors)
      else errors.push({ path: `/actions/${i}`, message: 'must be a nudge or a task action' })
    })
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, document: input as RuleDocument }
}

/**
 * Parses JSON or YAML rule text (YAML is a superset of JSON, so one parser serves both). YAML's
 * escapes ("\0", "\uD800") can produce NUL or lone surrogates: the input text policy applies.
 */
export function parseRuleText(text: string): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  try {
    return { ok: true, value: repairValue(parseYaml(text, { maxAliasCount: 50 })).value }
  } catch (err) {
    return { ok: false, errors: [{ path: '/', message: `not valid JSON or YAML: ${(err as Error).message}` }] }
  }
}
