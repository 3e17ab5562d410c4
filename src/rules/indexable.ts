// Splits a condition tree into the conjuncts the rule index can test from values it reads once
// per event (an eq / in / numeric bound on any fact or count) and the residual the rule's own
// predicate still has to check. A rule matches iff every constraint holds and the residual does.
import { parseDuration } from '../lib/duration.ts'
import { compileCondition, countGetter, scalarKey, toNumber, type Predicate } from './conditions.ts'
import { compileFact, type FactGetter } from './facts.ts'

export type BoundOp = 'gt' | 'gte' | 'lt' | 'lte'

/**
 * What the index reads for an event: `key` probes the fact's equality key (as eq / in compare it),
 * `num` probes its numeric value (as gt / gte / lt / lte compare it). Probes with the same id read
 * the same value, so each is read at most once per event however many rules test it.
 */
export interface Probe {
  id: string
  kind: 'key' | 'num'
  get: FactGetter
}

export type Constraint =
  | { probe: Probe; kind: 'key'; values: ReadonlySet<string> }
  | { probe: Probe; kind: 'bound'; op: BoundOp; bound: number }

const BOUND_OPS: readonly BoundOp[] = ['gt', 'gte', 'lt', 'lte']
const ALWAYS: Predicate = () => true

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** The leaf's subject (a fact or a count) as a getter and a stable id, or undefined when not indexable. */
function subjectOf(leaf: Record<string, unknown>): { id: string; get: FactGetter } | undefined {
  if (typeof leaf.fact === 'string') {
    const get = compileFact(leaf.fact)
    return 'error' in get ? undefined : { id: `fact ${leaf.fact}`, get }
  }
  const spec = leaf.count
  if (!isObject(spec) || typeof spec.event !== 'string' || typeof spec.within !== 'string' || Object.keys(spec).length !== 2) return undefined
  const window = parseDuration(spec.within)
  if (window === undefined || window <= 0) return undefined
  return { id: `count(${spec.event} within ${window / 3_600_000}h)`, get: countGetter(spec.event, window) }
}

/** A leaf with exactly a subject and one indexable operator (money comparisons are not: they convert). */
function constraintOf(leaf: unknown): Constraint | undefined {
  if (!isObject(leaf)) return undefined
  const keys = Object.keys(leaf)
  if (keys.length !== 2 || ('fact' in leaf) === ('count' in leaf)) return undefined
  const op = keys.find((k) => k !== 'fact' && k !== 'count') as string
  const operand = leaf[op]
  if (op === 'eq' || op === 'in') {
    const list = op === 'eq' ? [operand] : operand
    if (!Array.isArray(list) || list.length === 0 || !list.every(isScalar)) return undefined
    const subject = subjectOf(leaf)
    if (subject === undefined) return undefined
    const values = new Set(list.map((v) => scalarKey(v) as string))
    return { probe: { id: `key ${subject.id}`, kind: 'key', get: subject.get }, kind: 'key', values }
  }
  if ((BOUND_OPS as readonly string[]).includes(op)) {
    const bound = toNumber(operand)
    const subject = bound === undefined ? undefined : subjectOf(leaf)
    if (subject === undefined || bound === undefined) return undefined
    return { probe: { id: `num ${subject.id}`, kind: 'num', get: subject.get }, kind: 'bound', op: op as BoundOp, bound }
  }
  return undefined
}

/** The top-level conjuncts of a tree (nested `all`s flattened). */
function conjuncts(node: unknown, out: unknown[]): unknown[] {
  if (node === undefined) return out
  if (isObject(node) && Object.keys(node).length === 1 && Array.isArray(node.all) && node.all.length > 0) {
    for (const item of node.all) conjuncts(item, out)
  } else out.push(node)
  return out
}

export interface SplitConditions {
  constraints: Constraint[]
  /** The conjuncts left over, compiled: always true when every conjunct is a constraint. */
  residual: Predicate
}

/**
 * Splits the conjunction of trees (a trigger's and its rule's conditions). The trees come from a
 * rule that compiled without errors, so compiling any part of one cannot fail.
 */
export function splitConditions(trees: readonly unknown[]): SplitConditions {
  const constraints: Constraint[] = []
  const rest: unknown[] = []
  for (const item of trees.flatMap((tree) => conjuncts(tree, []))) {
    const constraint = constraintOf(item)
    if (constraint) constraints.push(constraint)
    else rest.push(item)
  }
  // Each conjunct compiles at its own depth, so the nesting limit it passed still holds.
  const parts = rest.map((item) => compileCondition(item, '', [], { countWindows: new Map() }))
  const [a, b] = parts
  let residual: Predicate = ALWAYS
  if (parts.length === 1) residual = a as Predicate
  else if (parts.length === 2) residual = (c) => (a as Predicate)(c) && (b as Predicate)(c)
  else if (parts.length > 2) residual = (c) => parts.every((p) => p(c))
  return { constraints, residual }
}

/** Whether a probed value meets a constraint (the probe's kind matches the constraint's). */
export function holds(constraint: Constraint, value: unknown): boolean {
  if (constraint.kind === 'key') return value !== undefined && constraint.values.has(value as string)
  if (value === undefined) return false
  const v = value as number
  switch (constraint.op) {
    case 'gt':
      return v > constraint.bound
    case 'gte':
      return v >= constraint.bound
    case 'lt':
      return v < constraint.bound
    case 'lte':
      return v <= constraint.bound
  }
}

/** What a probe reads from a context: the equality key or the numeric value of its subject. */
export function readProbe(probe: Probe, ctx: Parameters<FactGetter>[0]): string | number | undefined {
  const raw = probe.get(ctx)
  return probe.kind === 'key' ? scalarKey(raw) : toNumber(raw)
}
