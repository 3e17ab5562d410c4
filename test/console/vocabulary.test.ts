// The console's vocabulary is the server's: the module the console imports (/console/vocabulary.js)
// holds the model's channels, priorities and topics, and no console file restates those lists.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONSOLE_DIR, consoleRoutes } from '../../src/api/console.ts'
import { CHANNELS, ChannelSchema, TOPICS, TopicSchema } from '../../src/model/channel.ts'
import { PRIORITIES, PRIORITY_RANK, PrioritySchema } from '../../src/model/priority.ts'
import { ENDPOINT_KINDS, TASK_WEBHOOK_EVENTS } from '../../src/model/taskWebhooks.ts'

const app = Fastify()

beforeAll(async () => {
  await app.register(consoleRoutes)
  await app.ready()
})
afterAll(() => app.close())

/** Every JavaScript file of the console, recursively. */
function consoleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? consoleFiles(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
  )
}

describe('the console vocabulary', () => {
  it('is served as a module holding the model lists', async () => {
    const res = await app.inject({ method: 'GET', url: '/console/vocabulary.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/javascript/)
    const served = (await import(`data:text/javascript;base64,${Buffer.from(res.body).toString('base64')}`)) as Record<string, unknown>
    expect({ ...served }).toEqual({ CHANNELS: [...CHANNELS], PRIORITIES: [...PRIORITIES], TOPICS: [...TOPICS], TASK_WEBHOOK_EVENTS: [...TASK_WEBHOOK_EVENTS], ENDPOINT_KINDS: [...ENDPOINT_KINDS] })
  })

  it('reads the lists off the TypeBox schemas', () => {
    expect(CHANNELS).toEqual(ChannelSchema.anyOf.map((s) => s.const))
    expect(PRIORITIES).toEqual(PrioritySchema.anyOf.map((s) => s.const))
    expect(TOPICS).toEqual(TopicSchema.anyOf.map((s) => s.const))
    expect(CHANNELS).toEqual(['email', 'sms', 'push', 'webhook', 'inapp', 'voice'])
    expect(Object.keys(PRIORITY_RANK).sort()).toEqual([...PRIORITIES].sort())
  })

  it('is not restated by any console file', () => {
    for (const file of consoleFiles(CONSOLE_DIR)) {
      const arrays = readFileSync(file, 'utf8').match(/\[[^\[\]]*\]/g) ?? []
      for (const list of [CHANNELS, PRIORITIES, TOPICS]) {
        const copies = arrays.filter((array) => list.every((value) => array.includes(`'${value}'`) || array.includes(`"${value}"`)))
        expect(copies, `${file} restates ${list.join(', ')}`).toEqual([])
      }
    }
  })
})
