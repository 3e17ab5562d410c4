// The rule language: one typed document (a TypeBox schema) that the API validates, the store
// keeps in versions and the compiler turns into a rule. A rule = triggers + conditions + actions
// + guards. Documents arrive as JSON or YAML.
import Type, { type Static } from 'typebox'
import { DURATION_PATTERN } from '../lib/duration.ts'
import { ChannelSchema, TopicSchema } from '../model/channel.ts'
import { PrioritySchema } from '../model/priority.ts'

const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'e.g. 30m, 4h, 7d' })
const Identifier = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,79}$', description: 'lower-case id' })
const EventName = Type.String({ minLength: 1, maxLength: 200 })
/** Conditions are a recursive tree; the condition compiler validates them with field paths. */
const ConditionSchema = Type.Unknown({ description: 'condition tree: all / any / not / fact / count' })

/** Fires on an event, optionally only when its own conditions hold. */
export const EventTriggerSchema = Type.Object(
  {
    /**
     * A track event's name, or the event of another Segment call: Identify, Page Viewed (a page
     * call; its path, url, name … are properties), Screen Viewed, Alias, Group.
     */
    event: EventName,
    /** Event property naming the entity the moment is about (order_id, product_id …). */
    entity: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

/**
 * Fires when an awaited event did not happen in time: a durable timer armed by a start event,
 * cancelled by an awaited one, due at a time read from the event (`at` + `grace`) or `after` the
 * start event.
 */
export const AbsenceTriggerSchema = Type.Object(
  {
    absence: Type.Object(
      {
        start: Type.Array(EventName, { minItems: 1 }),
        awaited: Type.Array(EventName, { minItems: 1 }),
        entity: Type.String({ minLength: 1, maxLength: 100 }),
        after: Type.Optional(Duration),
        at: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
        grace: Type.Optional(Duration),
        /**
         * A local time of day (HH:MM): due at this time, in the shopper's zone (customer.timezone,
         * else UTC), on the local date of `at`, then + grace. "Not out for delivery by 12:00 on the
         * estimated day" is `at` = the estimate, `cutoff: '12:00'`. Needs `at`.
         */
        /**
         * A fact whose value (ms, or a duration such as 6h) is the grace when present, e.g.
         * carrier.grace (learned per carrier from delivery history); `grace` applies otherwise.
         */
        graceFrom: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        cutoff: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'HH:MM, e.g. 12:00' })),
        /**
         * Allowed lateness: the timer fires this long after its due time (or after it was armed,
         * when already due then), so an awaited event that happened in time but is still in
         * flight (a backfill, a slow producer) can end the wait. Default: the engine's
         * CARELOOP_ABSENCE_SETTLE_MS (5m); 0s fires when due.
         */
        settle: Type.Optional(Duration),
      },
      { additionalProperties: false },
    ),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

/**
 * Scheduled care: fires at a cron time in each shopper's own time zone (birthdays, holidays,
 * seasonal check-ins), optionally only on the anniversary of a date trait. A run missed while
 * the engine was down fires once when it is back, not once per missed run.
 */
export const ScheduleTriggerSchema = Type.Object(
  {
    schedule: Type.Object(
      {
        /** Five-field cron (minute hour day-of-month month day-of-week), e.g. "0 9 * * *". */
        cron: Type.String({ minLength: 9, maxLength: 100 }),
        /** A date fact (e.g. traits.birthday, YYYY-MM-DD or MM-DD): fire only when its month and day are today. */
        anniversary: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        /** 'shopper' (default: the shopper's time zone, else UTC) or an IANA zone for everyone. */
        timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

export const TriggerSchema = Type.Union([EventTriggerSchema, AbsenceTriggerSchema, ScheduleTriggerSchema])

export const NudgeActionSchema = Type.Object(
  {
    nudge: Type.Object(
      {
        channel: ChannelSchema,
        template: Identifier,
        topic: Type.Optional(TopicSchema),
        /** May pass quiet hours and frequency caps (payment security, fraud): use sparingly. */
        urgent: Type.Optional(Type.Boolean()),
        /** Ask the shopper one satisfaction question (1–5) with the message; the answer is a Survey Answered event. */
        survey: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

export const TaskActionSchema = Type.Object(
  {
    task: Type.Object(
      {
        queue: Identifier,
        priority: PrioritySchema,
        sla: Duration,
        title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        /** Skills or languages the agent needs (e.g. refunds, lang:zh). */
        skills: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9:._-]{0,59}$' }), { maxItems: 10 })),
        /**
         * When no person can take the task within its SLA (queue closed, nobody on shift, at
         * capacity): send this nudge now instead, and (unless thenTask is false) queue the task
         * for when the queue next opens. Without it, the task waits for a person.
         */
        fallback: Type.Optional(
          Type.Object(
            {
              nudge: Type.Object(
                { channel: ChannelSchema, template: Identifier, topic: Type.Optional(TopicSchema) },
                { additionalProperties: false },
              ),
              thenTask: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

export const ActionSchema = Type.Union([NudgeActionSchema, TaskActionSchema])

export const GuardsSchema = Type.Object(
  {
    /** Do not fire again for the same key within this time. */
    cooldown: Type.Optional(Duration),
    /** Fire at most once ever for the same key. */
    once: Type.Optional(Type.Boolean()),
    /** The guard key: per customer (default) or per customer and the trigger's entity. */
    per: Type.Optional(Type.Union([Type.Literal('customer'), Type.Literal('entity')])),
  },
  { additionalProperties: false },
)

/**
 * An event that ends the reason of the rule's moments about its entity: their messages still
 * waiting to go out (held by quiet hours, due later) are withdrawn and their open tasks closed,
 * as an awaited event of a wait does. E.g. a parcel scanned out for delivery within its promise.
 */
export const WithdrawSchema = Type.Object(
  {
    event: EventName,
    /** Event property naming the entity (order_id …); without it every moment of the rule for the shopper. */
    entity: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    when: Type.Optional(ConditionSchema),
  },
  { additionalProperties: false },
)

export const RuleDocumentSchema = Type.Object(
  {
    id: Identifier,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Higher wins when several rules compete for one shopper. */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    triggers: Type.Array(TriggerSchema, { minItems: 1, maxItems: 20 }),
    when: Type.Optional(ConditionSchema),
    actions: Type.Array(ActionSchema, { minItems: 1, maxItems: 10 }),
    guards: Type.Optional(GuardsSchema),
    /** Events that end the reason of the rule's moments before their messages go out (WithdrawSchema). */
    withdrawOn: Type.Optional(Type.Array(WithdrawSchema, { minItems: 1, maxItems: 10 })),
    /**
     * Share of shoppers (0–0.5) decided for but not contacted, chosen stably by a hash of rule and
     * shopper, so the rule's effect can be measured against them (lift).
     */
    holdout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
    /**
     * The oldest moment (by event time) this rule still acts on; older ones are recorded as stale
     * and nothing is sent. Default by tag (browsing 2h, checkout and payments 1d, delivery 2d,
     * complaints 3d, returns 7d), else 2d, or 7d for rules that only open tasks.
     */
    maxAge: Type.Optional(Duration),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
)

export type EventTrigger = Static<typeof EventTriggerSchema>
export type AbsenceTrigger = Static<typeof AbsenceTriggerSchema>
export type ScheduleTrigger = Static<typeof ScheduleTriggerSchema>
export type Trigger = Static<typeof TriggerSchema>
export type NudgeAction = Static<typeof NudgeActionSchema>
export type TaskAction = Static<typeof TaskActionSchema>
export type RuleAction = Static<typeof ActionSchema>
export type RuleDocument = Static<typeof RuleDocumentSchema>

/** A rule as stored: the document plus the store's bookkeeping. */
export interface RuleRecord {
  document: RuleDocument
  version: number
  enabled: boolean
}

/**
 * Condition tree (validated by the condition compiler, not by JSON Schema, so errors can say
 * exactly which operator or fact is wrong).
 */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | ({ fact: string } & OperatorClause)
  | ({ count: { event: string; within: string } } & OperatorClause)

export interface OperatorClause {
  eq?: unknown
  ne?: unknown
  gt?: number | string | { fact: string }
  gte?: number | string | { fact: string }
  lt?: number | string | { fact: string }
  lte?: number | string | { fact: string }
  in?: unknown[]
  nin?: unknown[]
  exists?: boolean
  contains?: unknown
  matches?: string
  /** Money: compare the amount converted into this currency ("shop" = the shop's own). */
  currency?: string
}

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'contains', 'matches'] as const
export type Operator = (typeof OPERATORS)[number]
