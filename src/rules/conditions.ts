// Condition trees → predicates. Validation and compilation are one walk, so every error names the
// exact field path (e.g. /triggers/0/when/all/1/gte) and the compiled form can never disagree
// with what was validated.
import { didYouMean } from './suggest.ts'
import { parseDuration } from '../lib/duration.ts'
import { CURRENCY_CODE } from '../lib/money.ts'
import { OPERATORS, type Operator } from './document.ts'
import { compileFact, type EvalContext, type FactGetter } from './facts.ts'
import { compilePattern, MAX_PATTERN_LENGTH } from './patterns.ts'

export interface FieldError {
  path: string
  message: string
}

export type Predicate = (ctx: EvalContext) => boolean

/** What the compiler learned about a condition tree, used for indexing and state retention. */
export interface ConditionInfo {
  /** Event name → the longest window any count condition needs, in ms. */
  countWindows: Map<string, number>
}

const ALWAYS: Predicate = () => true
const MAX_DEPTH = 12

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

/** Numbers, numeric strings and ISO date strings compare as numbers (dates as epoch ms). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && value.length > 0) {
    const n = Number(value)
    if (Number.isFinite(n)) return n
    if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
      const t = Date.parse(value)
      return Number.isNaN(t) ? undefined : t
    }
  }
  return undefined
}

/** Equality key: scalars compare by value across number/string (500 equals "500"). */
export function scalarKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function compileOperator(
  op: Operator,
  operand: unknown,
  get: (c: EvalContext) => unknown,
  path: string,
  errors: FieldError[],
): Predicate {
  const at = `${path}/${op}`
  switch (op) {
    case 'eq':
    case 'ne': {
      if (!isScalar(operand) && operand !== null) {
        errors.push({ path: at, message: 'must be a string, number, boolean or null' })
        return ALWAYS
      }
      const key = operand === null ? undefined : scalarKey(operand)
      const equal: Predicate =
        operand === null ? (c) => get(c) == null : (c) => scalarKey(get(c)) === key
      return op === 'eq' ? equal : (c) => !equal(c)
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (isObject(operand)) return compareFacts(op, operand, get, at, errors)
      const bound = toNumber(operand)
      if (bound === undefined) {
        errors.push({ path: at, message: 'must be a number, an ISO date or { fact: path }' })
        return ALWAYS
      }
      if (op === 'gt') return (c) => { const v = toNumber(get(c)); return v !== undefined && v > bound }
      if (op === 'gte') return (c) => { const v = toNumber(get(c)); return v !== undefined && v >= bound }
      if (op === 'lt') return (c) => { const v = toNumber(get(c)); return v !== undefined && v < bound }
      return (c) => { const v = toNumber(get(c)); return v !== undefined && v <= bound }
    }
    case 'in':
    case 'nin': {
      if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isScalar)) {
        errors.push({ path: at, message: 'must be a non-empty array of strings, numbers or booleans' })
        return ALWAYS
      }
      const set = new Set(operand.map((v) => String(v)))
      const member: Predicate = (c) => {
        const key = scalarKey(get(c))
        return key !== undefined && set.has(key)
      }
      return op === 'in' ? member : (c) => !member(c)
    }
    case 'exists': {
      if (typeof operand !== 'boolean') {
        errors.push({ path: at, message: 'must be true or false' })
        return ALWAYS
      }
      return operand ? (c) => get(c) != null : (c) => get(c) == null
    }
    case 'contains': {
      if (!isScalar(operand)) {
        errors.push({ path: at, message: 'must be a string, number or boolean' })
        return ALWAYS
      }
      const needle = String(operand).toLowerCase()
      return (c) => {
        const v = get(c)
        if (Array.isArray(v)) return v.some((item) => scalarKey(item)?.toLowerCase() === needle)
        return typeof v === 'string' && v.toLowerCase().includes(needle)
      }
    }
    case 'matches': {
      if (typeof operand !== 'string') {
        errors.push({ path: at, message: `must be a regular expression of 1–${MAX_PATTERN_LENGTH} characters` })
        return ALWAYS
      }
      const pattern = compilePattern(operand)
      if ('error' in pattern) {
        errors.push({ path: at, message: pattern.error })
        return ALWAYS
      }
      return (c) => {
        const v = get(c)
        return typeof v === 'string' && pattern.test(v)
      }
    }
  }
}

/**
 * A bound read from another fact: `{ fact: properties.estimated_delivery_at, gt: { fact:
 * order.promised_delivery_at } }`. Either side unknown: the condition does not hold.
 */
function compareFacts(op: 'gt' | 'gte' | 'lt' | 'lte', operand: Record<string, unknown>, get: FactGetter, at: string, errors: FieldError[]): Predicate {
  const extra = Object.keys(operand).filter((k) => k !== 'fact')
  if (extra.length > 0) errors.push({ path: `${at}/${extra[0]}`, message: 'unknown field; a bound from a fact is { fact: path }' })
  if (typeof operand.fact !== 'string') {
    errors.push({ path: `${at}/fact`, message: 'must be a fact path such as order.promised_delivery_at' })
    return ALWAYS
  }
  const other = compileFact(operand.fact)
  if ('error' in other) {
    errors.push({ path: `${at}/fact`, message: other.error })
    return ALWAYS
  }
  const holds = op === 'gt' ? (a: number, b: number) => a > b : op === 'gte' ? (a: number, b: number) => a >= b : op === 'lt' ? (a: number, b: number) => a < b : (a: number, b: number) => a <= b
  return (c) => {
    const a = toNumber(get(c))
    const b = toNumber(other(c))
    return a !== undefined && b !== undefined && holds(a, b)
  }
}

/** Index of the first time > bound in an ascending array. Module-level: no closure per call. */
function upperBound(times: number[], bound: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((times[mid] as number) <= bound) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Number of times `name` happened in (at − window, at]. Event times are kept ascending. */
function countWithin(times: number[] | undefined, at: number, window: number): number {
  if (times === undefined || times.length === 0) return 0
  return upperBound(times, at) - upperBound(times, at - window)
}

/** The fact a count condition reads: how often `name` happened within `window` before the moment. */
export function countGetter(name: string, window: number): FactGetter {
  return (c) => countWithin(Object.hasOwn(c.state.counts, name) ? c.state.counts[name] : undefined, c.at, window)
}

function compileLeaf(
  node: Record<string, unknown>,
  path: string,
  errors: FieldError[],
  info: ConditionInfo,
): Predicate {
  let get: FactGetter
  const subject = 'fact' in node ? 'fact' : 'count'
  if (subject === 'fact') {
    if (typeof node.fact !== 'string') {
      errors.push({ path: `${path}/fact`, message: 'must be a fact path such as properties.total' })
      return ALWAYS
    }
    const compiled = compileFact(node.fact)
    if ('error' in compiled) {
      errors.push({ path: `${path}/fact`, message: compiled.error })
      return ALWAYS
    }
    get = compiled
  } else {
    const spec = node.count
    if (!isObject(spec) || typeof spec.event !== 'string' || spec.event.length === 0) {
      errors.push({ path: `${path}/count/event`, message: 'must name the event to count' })
      return ALWAYS
    }
    const window = typeof spec.within === 'string' ? parseDuration(spec.within) : undefined
    if (window === undefined || window <= 0) {
      errors.push({ path: `${path}/count/within`, message: 'must be a duration such as 24h or 90d' })
      return ALWAYS
    }
    const extra = Object.keys(spec).filter((k) => k !== 'event' && k !== 'within')
    if (extra.length > 0) errors.push({ path: `${path}/count/${extra[0]}`, message: 'unknown field' })
    const name = spec.event
    info.countWindows.set(name, Math.max(info.countWindows.get(name) ?? 0, window))
    get = countGetter(name, window)
  }
  if (subject === 'fact' && 'currency' in node) {
    if (MONEY_OPERATORS.some((op) => isObject(node[op]))) {
      errors.push({ path: `${path}/currency`, message: 'converts amounts against a number, not against another fact' })
      return ALWAYS
    }
    const money = moneyGetter(node, get, path, errors)
    if (money === undefined) return ALWAYS
    get = money
  }
  const ops = Object.keys(node).filter((k) => k !== subject && k !== 'currency')
  const unknown = ops.filter((k) => !(OPERATORS as readonly string[]).includes(k))
  for (const key of unknown) {
    errors.push({ path: `${path}/${key}`, message: `unknown operator; expected one of ${OPERATORS.join(', ')}${didYouMean(key, OPERATORS)}` })
  }
  const known = ops.filter((k) => (OPERATORS as readonly string[]).includes(k)) as Operator[]
  if (known.length !== 1) {
    if (unknown.length === 0) {
      errors.push({ path, message: `needs exactly one operator (${OPERATORS.join(', ')}), found ${known.length}` })
    }
    return ALWAYS
  }
  const op = known[0] as Operator
  return compileOperator(op, node[op], get, path, errors)
}

const MONEY_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const

/**
 * A money comparison: `{ fact: order.total, gte: 500, currency: shop }` reads the amount's own
 * currency from the sibling fact (`order.currency`; absent = the shop's) and converts the amount
 * into the condition's currency (`shop` = the shop's) before comparing. An amount whose currency
 * cannot be converted compares as unknown: the condition does not hold.
 */
function moneyGetter(node: Record<string, unknown>, get: FactGetter, path: string, errors: FieldError[]): FactGetter | undefined {
  const currency = node.currency
  if (typeof currency !== 'string' || (currency !== 'shop' && !CURRENCY_CODE.test(currency))) {
    errors.push({ path: `${path}/currency`, message: 'must be "shop" or an ISO 4217 code such as EUR' })
    return undefined
  }
  if (!MONEY_OPERATORS.some((op) => op in node)) {
    errors.push({ path: `${path}/currency`, message: `only applies to ${MONEY_OPERATORS.join(', ')}` })
    return undefined
  }
  const factPath = node.fact as string
  const sibling = compileFact(`${factPath.slice(0, factPath.lastIndexOf('.'))}.currency`)
  const currencyOf: FactGetter = 'error' in sibling ? () => undefined : sibling
  return (c) => {
    const amount = toNumber(get(c))
    if (amount === undefined) return undefined
    const target = currency === 'shop' ? c.money?.shopCurrency : currency
    const own = currencyOf(c)
    const from = typeof own === 'string' && own.length > 0 ? own.toUpperCase() : c.money?.shopCurrency
    if (target === undefined || from === undefined) return undefined
    if (from === target) return amount
    const rate = c.money?.rate(from, target)
    return rate === undefined ? undefined : amount * rate
  }
}

/** Validates and compiles a condition tree. Errors are appended; the result is safe to call. */
export function compileCondition(
  node: unknown,
  path: string,
  errors: FieldError[],
  info: ConditionInfo,
  depth = 0,
): Predicate {
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: `conditions nest deeper than ${MAX_DEPTH} levels` })
    return ALWAYS
  }
  if (!isObject(node)) {
    errors.push({ path, message: 'must be an object with all, any, not, fact or count' })
    return ALWAYS
  }
  const keys = Object.keys(node)
  if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any')) {
    const kind = keys[0]
    const items = node[kind]
    if (!Array.isArray(items) || items.length === 0) {
      errors.push({ path: `${path}/${kind}`, message: 'must be a non-empty array of conditions' })
      return ALWAYS
    }
    const parts = items.map((item, i) => compileCondition(item, `${path}/${kind}/${i}`, errors, info, depth + 1))
    if (parts.length === 1) return parts[0] as Predicate
    if (kind === 'all') {
      if (parts.length === 2) {
        const [a, b] = parts as [Predicate, Predicate]
        return (c) => a(c) && b(c)
      }
      return (c) => parts.every((p) => p(c))
    }
    return (c) => parts.some((p) => p(c))
  }
  if (keys.length === 1 && keys[0] === 'not') {
    const inner = compileCondition(node.not, `${path}/not`, errors, info, depth + 1)
    return (c) => !inner(c)
  }
  if ('fact' in node || 'count' in node) {
    if ('fact' in node && 'count' in node) {
      errors.push({ path, message: 'use either fact or count, not both' })
      return ALWAYS
    }
    return compileLeaf(node, path, errors, info)
  }
  errors.push({ path, message: 'must be an object with all, any, not, fact or count' })
  return ALWAYS
}
