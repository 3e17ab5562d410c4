// Satisfaction surveys end to end: an agent resolves with a survey, the shopper clicks a score in
// the email (recorded once), adds a comment, and the answer arrives as a shop event in the event
// log and on the shopper's timeline. Real engine and stores; the public routes on their own server.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { surveyRoutes } from '../../src/api/routes/surveys.ts'
import { taskRoutes } from '../../src/api/routes/tasks/index.ts'
import { surveyUrl } from '../../src/channels/links.ts'
import { SURVEY_DELAY_MS } from '../../src/care/resolveTask.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { signToken } from '../../src/lib/signedToken.ts'
import { SurveyStore } from '../../src/store/operational/SurveyStore.ts'
import { EmbeddedIngestSink } from '../../src/stream/ingest/IngestSink.ts'
import { EMBEDDED_PARTITION } from '../../src/stream/source/EmbeddedLogSource.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 9))
const shop = { name: 'Tom & Jerry <Shop>', url: 'https://shop.test' }
let engine: TestEngine
let server: FastifyInstance
let base = ''
let surveys: SurveyStore

async function mount(e: TestEngine): Promise<{ server: FastifyInstance; url: string }> {
  const { ops, history, links, embedded } = e.app
  const app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  await app.register(authPlugin, { configured: parseApiKeys(e.config.apiKeys), settings: ops.settings })
  await app.register(taskRoutes, { ops, history, clock, links, shop })
  const sink = new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => embedded?.notify())
  await app.register(surveyRoutes, { ops, links, history, sink, clock, shop })
  return { server: app, url: await app.listen({ port: 0, host: '127.0.0.1' }) }
}

async function call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

/** The survey links of the email point at the engine's public URL; the path is what matters. */
const visit = async (link: string, init: RequestInit = {}) => {
  const res = await fetch(base + new URL(link).pathname, init)
  return { status: res.status, html: await res.text(), headers: res.headers }
}
const comment = (link: string, text: string) => visit(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ comment: text }).toString() })

let survey: { id: string; outboxId: string }
let links: Record<string, string>
let taskId = ''

beforeAll(async () => {
  engine = await startEngine({ clock })
  surveys = new SurveyStore(engine.app.ops.db)
  ;({ server, url: base } = await mount(engine))
  const doc = { id: 'sv-help', name: 'Help', triggers: [{ event: 'Needs Help' }], actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h' } }] }
  expect((await engine.api('POST', '/api/rules', doc, KEYS.ops)).status).toBe(201)
  const ts = new Date(clock.now()).toISOString()
  await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: 'sv-1', traits: { email: 'sv-1@example.com', name: 'Lin', locale: 'zh-TW' }, timestamp: ts },
    { type: 'track', messageId: randomUUID(), userId: 'sv-1', event: 'Needs Help', properties: {}, timestamp: ts },
  ])
  await engine.app.tick()
  taskId = (await call('POST', '/api/tasks/claim-next', KEYS.alice)).body.id
  const resolved = await call('POST', `/api/tasks/${taskId}/resolve`, KEYS.alice, { outcome: 'resolved', survey: true })
  expect(resolved.status, JSON.stringify(resolved.body)).toBe(200)
  survey = resolved.body.survey
  const message = await engine.app.ops.outbox.get(survey.outboxId)
  links = (message!.payload as { vars: { links: Record<string, string> } }).vars.links
})
afterAll(async () => {
  await server?.close()
  await engine?.app.stop()
})

describe('survey answers', () => {
  it('the email goes out in the shopper’s language with the five score links', async () => {
    clock.advance(SURVEY_DELAY_MS)
    await engine.app.tick()
    const dir = join(engine.config.dataDir, 'mail')
    const mails = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))
    expect(mails).toHaveLength(1)
    const mail = await simpleParser(mails[0]!)
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toContain('sv-1@example.com')
    expect(mail.subject).toBe('這次的服務您滿意嗎？點一下就好')
    // Five score lines, each a (click-tracked) link of this engine.
    expect(mail.text?.match(/^[1-5] 分：http\S+\/l\/\S+$/gm)).toHaveLength(5)
    expect(Object.keys(links)).toEqual(['survey1', 'survey2', 'survey3', 'survey4', 'survey5'])
    expect((await surveys.get(survey.id))?.outboxId).toBe(survey.outboxId)
  })

  it('a one-click score is recorded once; later clicks are thanked and change nothing', async () => {
    const first = await visit(links.survey4!)
    expect(first.status).toBe(200)
    expect(first.html).toContain('You gave us 4 out of 5')
    expect(first.html).toContain('<form method="post">')
    expect(first.html).toContain('Tom &amp; Jerry &lt;Shop&gt;') // escaped
    expect(first.headers.get('cache-control')).toBe('no-store')
    const again = await visit(links.survey1!)
    expect(again.status).toBe(200)
    expect(again.html).toContain('already answered')
    expect(await surveys.get(survey.id)).toMatchObject({ score: 4, answeredAt: clock.now(), taskId, ruleId: 'sv-help' })
  })

  it('stores the comment once, escaped on the page', async () => {
    const res = await comment(links.survey4!, '  Quick <script>alert(1)</script> & kind  ')
    expect(res.status).toBe(200)
    expect(res.html).toContain('We have your comment')
    expect((await surveys.get(survey.id))?.comment).toBe('Quick <script>alert(1)</script> & kind')
    expect((await comment(links.survey2!, 'changed my mind')).html).toContain('already')
    expect((await surveys.get(survey.id))?.comment).toBe('Quick <script>alert(1)</script> & kind')
    expect((await visit(links.survey5!)).html).not.toContain('<form')
  })

  it("the answer is a 'Survey Answered' event in the event log, tied to the task and rule, and on the timeline", async () => {
    const log = await engine.app.ops.log.read(EMBEDDED_PARTITION, 0, 10_000)
    const answered = log.find((r) => r.messageId === `survey:${survey.id}`)
    expect(answered).toMatchObject({ customerId: 'sv-1', body: { type: 'track', event: 'Survey Answered', userId: 'sv-1', properties: { survey_id: survey.id, task_id: taskId, rule_id: 'sv-help', score: 4 } } })
    expect(log.find((r) => r.messageId === `survey:${survey.id}:comment`)?.body).toMatchObject({ event: 'Survey Commented', properties: { score: 4, comment: 'Quick <script>alert(1)</script> & kind' } })
    expect(log.filter((r) => r.messageId === `survey:${survey.id}`)).toHaveLength(1)
    await engine.app.tick()
    const timeline = await engine.api('GET', '/api/customers/sv-1/timeline', undefined, KEYS.ops)
    const titles = timeline.body.entries.map((e: { kind: string; title: string }) => `${e.kind}:${e.title}`)
    expect(titles).toEqual(expect.arrayContaining(['event:Survey Answered', 'task:note', 'task:resolved']))
    const note = timeline.body.entries.find((e: any) => e.kind === 'task' && e.title === 'note' && e.data.details?.survey)
    expect(note.data.details.survey).toMatchObject({ id: survey.id, score: 4 })
  })

  it('404 for a forged, tampered or foreign token, and for an unknown survey', async () => {
    const token = new URL(links.survey3!).pathname.slice('/l/s/'.length)
    const [body, mac] = token.split('.') as [string, string]
    const forged = signToken('not-the-secret', 'survey', { surveyId: survey.id, score: '5' })
    const otherPurpose = signToken(engine.app.links.secret, 'preferences', { customerId: 'sv-1' }).replace(/^/, '')
    for (const bad of [forged, `${body}.${mac.slice(0, -2)}AA`, otherPurpose, 'nonsense', `${body}`]) {
      const res = await fetch(`${base}/l/s/${bad}`)
      expect(res.status, bad).toBe(404)
      expect(await res.text()).toContain('not valid')
    }
    const unknown = new URL(surveyUrl(engine.app.links, 'no-such-survey', 5)).pathname
    expect((await fetch(base + unknown)).status).toBe(404)
    const badScore = signToken(engine.app.links.secret, 'survey', { surveyId: survey.id, score: '9' })
    expect((await fetch(`${base}/l/s/${badScore}`)).status).toBe(404)
  })

  it('a link without a score shows the score picker until answered', async () => {
    const ts = new Date(clock.now()).toISOString()
    await engine.ingest([
      { type: 'identify', messageId: randomUUID(), userId: 'sv-2', traits: { email: 'sv-2@example.com' }, timestamp: ts },
      { type: 'track', messageId: randomUUID(), userId: 'sv-2', event: 'Needs Help', properties: {}, timestamp: ts },
    ])
    await engine.app.tick()
    const id = (await call('POST', '/api/tasks/claim-next', KEYS.bob)).body.id
    const s = (await call('POST', `/api/tasks/${id}/resolve`, KEYS.bob, { outcome: 'resolved', survey: true })).body.survey
    const picker = await visit(surveyUrl(engine.app.links, s.id))
    expect(picker.html).toContain('How satisfied are you')
    expect((picker.html.match(/<a href="[\w-]+\.[\w-]+">[1-5]<\/a>/g) ?? []).length).toBe(5)
    // The score link and the comment in one go.
    const res = await comment(surveyUrl(engine.app.links, s.id, 2), 'took too long')
    expect(res.html).toContain('your answer and your comment')
    expect(await surveys.get(s.id)).toMatchObject({ score: 2, comment: 'took too long' })
    const log = await engine.app.ops.log.read(EMBEDDED_PARTITION, 0, 10_000)
    expect(log.find((r) => r.messageId === `survey:${s.id}`)?.body).toMatchObject({ properties: { score: 2, comment: 'took too long' } })
  })
})
