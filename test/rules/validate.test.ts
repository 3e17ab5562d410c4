import { describe, expect, it } from 'vitest'
import { compileRule, parseRuleText, starterRules, validateRule } from '../../src/rules/index.ts'

const valid = {
  id: 'vip-dwell',
  name: 'VIP hesitates',
  triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
  when: { all: [{ fact: 'properties.dwell_ms', gte: 60000 }, { fact: 'traits.vip', eq: true }] },
  actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
  guards: { cooldown: '7d', per: 'entity' },
}

function errorsOf(doc: unknown) {
  return validateRule(doc)
}

describe('rule validation', () => {
  it('accepts every starter rule', () => {
    for (const doc of starterRules) expect(errorsOf(doc), doc.id).toEqual([])
  })

  it('accepts a valid document', () => {
    expect(errorsOf(valid)).toEqual([])
  })

  it('names the missing field', () => {
    const { name: _name, ...doc } = valid
    expect(errorsOf(doc)).toContainEqual({ path: '/name', message: 'is required' })
  })

  it('rejects unknown fields with their path', () => {
    expect(errorsOf({ ...valid, colour: 'red' })).toContainEqual({ path: '/colour', message: 'is not a known field' })
  })

  it('points into a trigger by index', () => {
    const doc = { ...valid, triggers: [valid.triggers[0], { absence: { start: ['Checkout Started'], awaited: ['Order Completed'] } }] }
    expect(errorsOf(doc)).toContainEqual({ path: '/triggers/1/absence/entity', message: 'is required' })
  })

  it('requires exactly one of after / at on an absence trigger', () => {
    const doc = { ...valid, triggers: [{ absence: { start: ['A'], awaited: ['B'], entity: 'x' } }], guards: undefined }
    expect(errorsOf(doc)).toContainEqual({ path: '/triggers/0/absence', message: 'needs exactly one of after (a duration) or at (a time fact)' })
  })

  it('reports an unknown operator deep in the condition tree', () => {
    const doc = { ...valid, when: { all: [{ fact: 'properties.dwell_ms', gtee: 5 }] } }
    const errors = errorsOf(doc)
    expect(errors[0]?.path).toBe('/when/all/0/gtee')
    expect(errors[0]?.message).toMatch(/unknown operator/)
  })

  it('reports a wrong operand type', () => {
    const doc = { ...valid, when: { fact: 'properties.dwell_ms', gte: 'lots' } }
    expect(errorsOf(doc)).toContainEqual({ path: '/when/gte', message: 'must be a number, an ISO date or { fact: path }' })
  })

  it('reports an unknown fact root; built-in names are ordinary keys, never built-ins', () => {
    expect(errorsOf({ ...valid, when: { fact: 'session.x', eq: 1 } })[0]?.path).toBe('/when/fact')
    expect(errorsOf({ ...valid, when: { fact: 'traits.__proto__.x', eq: 1 } })).toEqual([])
    expect(errorsOf({ ...valid, when: { fact: 'customer.toString', eq: 1 } })[0]).toMatchObject({ path: '/when/fact', message: expect.stringMatching(/customer facts are id, locale, timezone/) })
    expect(errorsOf({ ...valid, when: { fact: 'event.constructor', eq: 1 } })[0]?.path).toBe('/when/fact')
  })

  it('reports a bad regular expression and a bad count window', () => {
    expect(errorsOf({ ...valid, when: { fact: 'properties.text', matches: '(' } })[0]?.path).toBe('/when/matches')
    expect(errorsOf({ ...valid, when: { count: { event: 'X', within: 'soon' }, gte: 1 } })[0]?.path).toBe('/when/count/within')
  })

  it('reports a bad duration and channel', () => {
    const errors = errorsOf({ ...valid, guards: { cooldown: 'a week' }, actions: [{ nudge: { channel: 'fax', template: 't' } }] })
    const paths = errors.map((e) => e.path)
    expect(paths).toContain('/guards/cooldown')
    expect(paths).toContain('/actions/0/nudge/channel')
  })

  it('needs an entity on event triggers when guarding per entity', () => {
    const doc = { ...valid, triggers: [{ event: 'Product Viewed' }] }
    expect(errorsOf(doc)).toContainEqual({ path: '/guards/per', message: 'per entity needs an entity on every event trigger' })
  })

  it('parses YAML and JSON text, and reports unparseable text', () => {
    const yaml = parseRuleText('id: x\nname: X\ntriggers:\n  - event: A\nactions:\n  - task: { queue: q, priority: high, sla: 1h }\n')
    expect(yaml.ok && compileRule({ document: yaml.value }).ok).toBe(true)
    const json = parseRuleText(JSON.stringify(valid))
    expect(json.ok && compileRule({ document: json.value }).ok).toBe(true)
    const bad = parseRuleText('id: [unclosed')
    expect(bad.ok).toBe(false)
  })
})
