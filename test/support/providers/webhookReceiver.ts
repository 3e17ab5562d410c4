// A webhook receiver on a local port that records raw bodies and headers exactly as sent, so
// tests can verify signatures over the bytes, and answers with scripted statuses.
import { FailureScript, startLocalServer, type RecordedRequest, type Reply } from './server.ts'

export interface WebhookReceiver {
  url: string
  requests: RecordedRequest[]
  /** The next `count` deliveries are answered with `status`. */
  failNext(count: number, status: number, headers?: Record<string, string>): void
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: RecordedRequest[] = []
  const script = new FailureScript()
  const server = await startLocalServer((request) => {
    requests.push(request)
    return script.take() ?? { status: 204 }
  })
  return {
    url: `${server.url}/hooks/careloop`,
    requests,
    failNext: (count, status, headers) => script.add(count, { status, body: { error: `scripted ${status}` }, headers } satisfies Reply),
    close: () => server.close(),
  }
}
