// The public answer pages of satisfaction surveys (src/channels/links.ts signs their links): no
// login, the signed token is the authority. A click on a score in the email answers at once (first
// answer wins; later clicks are thanked and change nothing); the page then offers a comment box.
// The answer becomes a shop event for the shopper (rules and timelines see it) and a task note.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readSurvey } from '../../channels/links.ts'
import { signToken } from '../../lib/signedToken.ts'
import type { SurveyRecord } from '../../store/operational/SurveyStore.ts'
import type { ShopInfo } from '../../model/outbox.ts'
import type { ApiDeps } from '../context.ts'
import { escapeHtml, html, layout, sendPage } from './pages/html.ts'

const COMMENT_MAX = 2000
const SCORES = ['1', '2', '3', '4', '5']

const esc = escapeHtml

/** The shared public page (escaped, private headers); `body` is already escaped HTML. */
function page(reply: FastifyReply, status: number, shop: ShopInfo, title: string, body: string): FastifyReply {
  return sendPage(reply, status, layout(title, shop, html`<h1>${title}</h1>${{ html: body }}`))
}

/** Posts to the page's own URL, so it works behind any path prefix. */
const commentForm = `<form method="post"><label for="comment">Anything you would like to add? (optional)</label>` +
  `<textarea id="comment" name="comment" maxlength="${COMMENT_MAX}"></textarea><button type="submit">Send</button></form>`

/**
 * Tokens carry their payload, so they can be longer than Fastify's 100-character `:param` limit:
 * the routes take the rest of the path instead (verifyToken refuses anything over 4096).
 */
type Rest = { Params: { '*': string } }
const restOf = (request: FastifyRequest): string => (request.params as { '*'?: string })['*'] ?? ''

export async function surveyRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'links' | 'history' | 'sink' | 'clock' | 'shop'>): Promise<void> {
  const { history, sink, clock, shop } = deps
  const { surveys } = deps.ops
  const { secret } = deps.links
  const schema = { tags: ['links'] }

  // The comment form posts urlencoded; the parser is scoped to this plugin.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  const unknown = (reply: FastifyReply) => page(reply, 404, shop, 'This link is not valid', '<p>It may have been mistyped or cut off.</p>')

  /** The survey and the score its token carries (undefined: a link without a score). */
  async function surveyOf(request: FastifyRequest): Promise<{ survey: SurveyRecord; score: number | undefined } | undefined> {
    const t = readSurvey(secret, restOf(request))
    if (!t || (t.score !== undefined && !SCORES.includes(t.score))) return undefined
    const survey = await surveys.get(t.surveyId)
    return survey ? { survey, score: t.score === undefined ? undefined : Number(t.score) } : undefined
  }

  /**
   * The answer as a shop event and a task note. Both are idempotent (messageId, row id), so
   * repeating them on a later visit heals an earlier attempt that failed half-way.
   */
  async function publish(s: SurveyRecord, event: 'Survey Answered' | 'Survey Commented'): Promise<void> {
    const at = (event === 'Survey Answered' ? s.answeredAt : null) ?? clock.now()
    const messageId = event === 'Survey Answered' ? `survey:${s.id}` : `survey:${s.id}:comment`
    const properties = { survey_id: s.id, task_id: s.taskId, outbox_id: s.outboxId, rule_id: s.ruleId, score: s.score, ...(s.comment ? { comment: s.comment } : {}) }
    await sink.accept([{ messageId, customerId: s.customerId, receivedAt: clock.now(), body: { type: 'track', event, userId: s.customerId, messageId, timestamp: new Date(at).toISOString(), properties } }])
    if (s.taskId) {
      const kind = event === 'Survey Answered' ? 'answer' : 'comment'
      await history.append({
        taskEvents: [{
          id: `${s.taskId}:survey-${kind}`, task_id: s.taskId, customer_id: s.customerId, queue: s.taskQueue ?? '', kind: 'note', actor: 'shopper', outcome: '', ts: at,
          details: JSON.stringify({ survey: { id: s.id, score: s.score, ...(kind === 'comment' ? { comment: s.comment } : {}) } }),
        }],
      })
    }
  }

  /** Links to answer with a score, for a link that carries none. */
  const scorePicker = (surveyId: string) =>
    `<p>How satisfied are you with the help you got? 1 = not at all, 5 = very.</p><p class="scores">` +
    SCORES.map((score) => `<a href="${esc(signToken(secret, 'survey', { surveyId, score }))}">${score}</a>`).join('') + '</p>'

  app.get<Rest>('/l/s/*', { schema }, async (request, reply) => {
    const found = await surveyOf(request)
    if (!found) return unknown(reply)
    const { survey, score } = found
    if (survey.answeredAt === null && score === undefined) return page(reply, 200, shop, 'How did we do?', scorePicker(survey.id))
    const result = survey.answeredAt === null && score !== undefined ? await surveys.answer(survey.id, score, null, clock.now()) : { status: 'already_answered' as const, survey }
    if (result.status === 'not_found') return unknown(reply)
    await publish(result.survey, 'Survey Answered')
    const form = result.survey.comment === null ? commentForm : ''
    if (result.status === 'answered') return page(reply, 200, shop, 'Thank you!', `<p>You gave us ${esc(result.survey.score)} out of 5.</p>${form}`)
    return page(reply, 200, shop, 'Thanks, you already answered', `<p>We have your answer: ${esc(result.survey.score)} out of 5.</p>${form}`)
  })

  app.post<Rest>('/l/s/*', { schema }, async (request, reply) => {
    const found = await surveyOf(request)
    if (!found) return unknown(reply)
    const { survey, score } = found
    const raw = (request.body as Record<string, unknown> | undefined)?.comment
    const comment = typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, COMMENT_MAX) : null
    if (survey.answeredAt === null) {
      if (score === undefined) return page(reply, 200, shop, 'How did we do?', scorePicker(survey.id))
      // Answered with the comment in one go (the score from the link, the comment from the form).
      const result = await surveys.answer(survey.id, score, comment, clock.now())
      if (result.status === 'not_found') return unknown(reply)
      await publish(result.survey, 'Survey Answered')
      if (result.status === 'answered') return page(reply, 200, shop, 'Thank you!', comment ? '<p>We have your answer and your comment.</p>' : `<p>You gave us ${esc(score)} out of 5.</p>${commentForm}`)
    }
    if (comment === null) return page(reply, 200, shop, 'Thank you!', `<p>We have your answer.</p>${survey.comment === null ? commentForm : ''}`)
    if (await surveys.comment(survey.id, comment)) {
      const updated = await surveys.get(survey.id)
      if (updated) await publish(updated, 'Survey Commented')
      return page(reply, 200, shop, 'Thank you!', '<p>We have your comment.</p>')
    }
    return page(reply, 200, shop, 'Thanks, you already answered', '<p>We already have your comment.</p>')
  })
}
