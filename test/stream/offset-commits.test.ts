// OffsetCommits: the positions a step finished together go out in one OffsetCommit request; a
// request carries only positions handed to it, never one of an earlier membership generation.
import { describe, expect, it } from 'vitest'
import { OffsetCommits } from '../../src/stream/kafka/consumer/OffsetCommits.ts'

type Request = { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }

function fixture(options: { fail?: (request: Request) => unknown } = {}) {
  let generation = 1
  const requests: Request[] = []
  const errors: Array<{ err: unknown; generation: number; positions: unknown }> = []
  const commits = new OffsetCommits({ generation: () => generation, onError: (err, g, positions) => void errors.push({ err, generation: g, positions }) })
  const send = async (request?: Request) => {
    requests.push(request as Request)
    await new Promise((r) => setTimeout(r, 5))
    const failure = options.fail?.(request as Request)
    if (failure !== undefined) throw failure
  }
  const flat = (r: Request) => r.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`)).sort()
  return { commits, requests, errors, send, flat, setGeneration: (g: number) => void (generation = g) }
}

describe('OffsetCommits', () => {
  it('sends the positions of one turn in one request, over topics and partitions', async () => {
    const f = fixture()
    await Promise.all([
      f.commits.commit(1, 'a', 0, '11', f.send),
      f.commits.commit(1, 'a', 1, '7', f.send),
      f.commits.commit(1, 'b', 0, '3', f.send),
    ])
    expect(f.requests.map(f.flat)).toEqual([['a/0@11', 'a/1@7', 'b/0@3']])
    expect(f.commits.requests).toBe(1)
  })

  it('sends a later turn after the request in flight, keeping the furthest position of a partition', async () => {
    const f = fixture()
    const first = f.commits.commit(1, 'a', 0, '5', f.send)
    await new Promise((r) => setImmediate(r))
    // The first request is in flight now: these wait for it and go together.
    const later = [f.commits.commit(1, 'a', 0, '9', f.send), f.commits.commit(1, 'a', 0, '8', f.send), f.commits.commit(1, 'a', 1, '2', f.send)]
    await Promise.all([first, ...later])
    expect(f.requests.map(f.flat)).toEqual([['a/0@5'], ['a/0@9', 'a/1@2']])
  })

  it('drops positions handed over in an earlier generation (the partition may be another member\'s now)', async () => {
    const f = fixture()
    const old = f.commits.commit(1, 'a', 0, '5', f.send)
    const current = f.commits.commit(2, 'a', 1, '6', f.send)
    f.setGeneration(2)
    await Promise.all([old, current])
    expect(f.requests.map(f.flat)).toEqual([['a/1@6']])
    f.setGeneration(3)
    await f.commits.commit(2, 'a', 1, '9', f.send)
    expect(f.requests).toHaveLength(1)
  })

  it('reports a failed request with its positions and generation, and resolves its callers', async () => {
    const boom = Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' })
    const f = fixture({ fail: () => boom })
    await Promise.all([f.commits.commit(1, 'a', 0, '5', f.send), f.commits.commit(1, 'a', 2, '4', f.send)])
    expect(f.errors).toEqual([{ err: boom, generation: 1, positions: [{ topic: 'a', partition: 0, offset: '5' }, { topic: 'a', partition: 2, offset: '4' }] }])
  })
})
