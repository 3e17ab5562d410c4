// Suggested opening lines for agents, one template per rule (openers/<rule id>/<locale>.hbs) with
// openers/default as the fallback, so the agent starts from what careloop already knows.
import { createTemplateEngine, toPath } from './engine.ts'
import type { TemplateSpec } from './specs.ts'

const OPENER_SPEC: TemplateSpec = {
  channel: 'opener',
  sections: { opener: { kind: 'text', required: true, tidy: 'line' } },
  partialKind: () => 'text',
}

export const DEFAULT_OPENER_DIR = toPath(new URL('./openers/', import.meta.url))

export interface OpenerRenderer {
  /** The rule's opener, else the default one; '' if even that fails (an opener is a suggestion). */
  render(ruleId: string, locale: string, vars: Record<string, unknown>): { text: string; locale: string; template: string }
}

export function createOpenerRenderer(dir: string | URL = DEFAULT_OPENER_DIR): OpenerRenderer {
  const engine = createTemplateEngine(OPENER_SPEC, toPath(dir))
  const known = new Set(engine.templateIds())
  return {
    render(ruleId, locale, vars) {
      const template = known.has(ruleId) ? ruleId : 'default'
      try {
        const out = engine.render(template, locale, vars as never)
        return { text: out.parts.opener ?? '', locale: out.locale, template }
      } catch {
        return { text: '', locale, template }
      }
    },
  }
}
