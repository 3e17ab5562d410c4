// Faults injected into a real engine, standing for any bug reached by unusual input.
import type { Careloop } from '../../src/app.ts'

/** Makes rule evaluation throw `message` for events named `event` until the returned function is called. */
export function failRulesOn(app: Careloop, event: string, message: string): () => void {
  const set = app.rules.ruleSet
  const original = set.matchEvent
  set.matchEvent = function (ctx) {
    if (ctx.event.name === event) throw new Error(message)
    return original.call(this, ctx)
  }
  return () => void (set.matchEvent = original)
}
