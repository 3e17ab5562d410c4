// A suite's engine with a real SMTP sink: started before its tests, stopped after them.
import { afterAll, beforeAll } from 'vitest'
import { startEngine, type StartOptions, type TestEngine } from './careloop.ts'
import { startMailSink, type MailSink } from './smtp.ts'

export interface MailEngine {
  readonly engine: TestEngine
  readonly mail: MailSink
}

/** Registers the suite's hooks; read `engine` and `mail` inside tests. */
export function useMailEngine(options: Omit<StartOptions, 'smtpUrl'> = {}): MailEngine {
  const started: { engine?: TestEngine; mail?: MailSink } = {}
  beforeAll(async () => {
    started.mail = await startMailSink()
    started.engine = await startEngine({ ...options, smtpUrl: started.mail.url })
  })
  afterAll(async () => {
    await started.engine?.app.stop()
    await started.mail?.close()
  })
  return {
    get engine() {
      if (!started.engine) throw new Error('the engine starts in beforeAll')
      return started.engine
    },
    get mail() {
      if (!started.mail) throw new Error('the mail sink starts in beforeAll')
      return started.mail
    },
  }
}
