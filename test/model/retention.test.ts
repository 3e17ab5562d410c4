// Retention periods from the environment: durations or "forever", defaults otherwise, bad text refused by name.
import { describe, expect, it } from 'vitest'
import { DEFAULT_RETENTION, retentionFromEnv } from '../../src/model/retention.ts'

describe('retentionFromEnv', () => {
  it('reads durations and "forever", keeps the defaults for what is unset', () => {
    expect(retentionFromEnv({})).toEqual(DEFAULT_RETENTION)
    const periods = retentionFromEnv({ CARELOOP_RETAIN_OUTBOX: '12w', CARELOOP_RETAIN_EVENTS: 'forever', CARELOOP_RETAIN_EVENT_LOG: ' 36h ' })
    expect(periods).toEqual({ ...DEFAULT_RETENTION, outbox: 84 * 86_400_000, events: undefined, eventLog: 36 * 3_600_000 })
  })

  it('refuses what is not a positive duration, naming the variable', () => {
    for (const bad of ['0d', 'soon', '-3d', '1y']) expect(() => retentionFromEnv({ CARELOOP_RETAIN_DEAD_LETTERS: bad })).toThrow(/CARELOOP_RETAIN_DEAD_LETTERS/)
  })
})
