// The task timeline puts Segment's page, screen, alias and group calls into words, as it does
// the e-commerce events (the state keeps group rows as { groupId, traits }).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CONSOLE_DIR, vocabularyModule } from '../../src/api/console.ts'

// The console reads its language from the browser's storage; English here.
Object.assign(globalThis, {
  localStorage: { getItem: () => 'en', setItem: () => undefined, removeItem: () => undefined },
  sessionStorage: { getItem: () => null, setItem: () => undefined, removeItem: () => undefined },
})

// The server generates the console's vocabulary module when it serves it: a copy of the console
// with that module written beside it, inside the repository so preact resolves from node_modules.
const copy = join(process.cwd(), '.tmp', `console-${process.pid}`)
mkdirSync(copy, { recursive: true })
cpSync(CONSOLE_DIR, copy, { recursive: true })
writeFileSync(join(copy, 'vocabulary.js'), vocabularyModule())
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type Described = { icon: string; label: string; details: unknown[] }
// A browser module without type declarations: imported by a computed path, typed here.
const { describeEvent } = (await import(join(copy, 'pages', 'taskTimeline.js'))) as { describeEvent: (e: unknown) => Described }

describe('describeEvent for the Segment call types', () => {
  it('names the page, screen, alias and group in words', () => {
    const page = describeEvent({ name: 'Page Viewed', type: 'page', properties: { name: 'Pricing', path: '/pricing', title: 'Plans and prices', category: 'Docs' } })
    expect(page.label).toBe('Visited page Plans and prices')
    expect(page.details.filter(Boolean)).toEqual(['/pricing', 'Docs'])
    expect(describeEvent({ name: 'Page Viewed', properties: { path: '/sale' } }).label).toBe('Visited page /sale')
    expect(describeEvent({ name: 'Screen Viewed', properties: { name: 'Basket' } }).label).toBe('Opened screen Basket')
    expect(describeEvent({ name: 'Alias', properties: { previousId: 'anon-7' } }).label).toBe('Recognised as the visitor anon-7')
    const group = describeEvent({ name: 'Group', properties: { groupId: 'acme', traits: { name: 'Acme Ltd', plan: 'enterprise' } } })
    expect(group.label).toBe('Joined group Acme Ltd')
    expect(group.details.filter(Boolean)).toEqual(['enterprise'])
    expect(describeEvent({ name: 'Group', properties: { groupId: 'acme' } }).label).toBe('Joined group acme')
  })
})
