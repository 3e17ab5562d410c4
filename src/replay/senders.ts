// Channels of a sandbox: every send succeeds and is only written down, with the simulated time.
import type { ChannelSender, OutboundMessage, SendResult } from '../channels/types.ts'
import type { Clock } from '../lib/clock.ts'
import { CHANNELS, type Channel } from '../model/channel.ts'

export interface RecordedSend {
  outboxId: string
  channel: Channel
  template: string
  customer: string
  at: number
}

/** Where sends are written down (a Map, or the sandbox's line tracker). */
export interface SendSink {
  set(outboxId: string, send: RecordedSend): unknown
}

export class RecordingSender implements ChannelSender {
  constructor(
    readonly channel: Channel,
    private readonly clock: Clock,
    private readonly sink: SendSink,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    this.sink.set(message.outboxId, { outboxId: message.outboxId, channel: this.channel, template: message.template, customer: message.customerId, at: this.clock.now() })
    return { providerMessageId: `sandbox:${message.outboxId}` }
  }
}

/** One recording sender per channel, all writing into `sink` (keyed by outbox id). */
export function recordingSenders(clock: Clock, sink: SendSink = new Map()): RecordingSender[] {
  return CHANNELS.map((channel) => new RecordingSender(channel, clock, sink))
}
