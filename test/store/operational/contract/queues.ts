// Queues and agents: upserts that replace every field, and loads(), the live snapshot routing
// reads (agents on shift, open available tasks and capacity per configured queue).
import { describe, expect, it } from 'vitest'
import type { Queue } from '../../../../src/model/queue.ts'
import type { Agent } from '../../../../src/store/operational/QueueStore.ts'
import { MIN, T0, taskRow, type ContractContext } from './fixtures.ts'

const queue = (id: string, over: Partial<Queue> = {}): Queue => ({
  id,
  name: `Queue ${id}`,
  timezone: 'Europe/Berlin',
  hours: { mon: [['09:00', '18:00']], sat: [['10:00', '12:00'], ['13:00', '24:00']] },
  capacityPerAgent: 5,
  skills: ['refunds', 'lang:de'],
  escalateTo: 'supervisors',
  ...over,
})

const agent = (id: string, over: Partial<Agent> = {}): Agent => ({ id, displayName: `Agent ${id} — 李`, queues: ['care'], skills: ['refunds'], onShift: true, capacity: null, ...over })

export function queuesContract({ freshStore }: ContractContext): void {
  describe('queues and agents', () => {
    const store = freshStore()

    it('puts, reads back and replaces queues; lists them by id; deletes', async () => {
      const { queues } = store()
      expect(await queues.queues()).toEqual([])
      expect(await queues.queue('care')).toBeUndefined()
      await queues.putQueue(queue('care'), T0)
      await queues.putQueue(queue('b-always', { hours: null, skills: [], escalateTo: null }), T0)
      expect(await queues.queue('care')).toEqual(queue('care'))
      expect(await queues.queue('b-always')).toEqual(queue('b-always', { hours: null, skills: [], escalateTo: null }))
      const changed = queue('care', { name: 'Care 2', timezone: 'Asia/Shanghai', hours: null, capacityPerAgent: 9, skills: [], escalateTo: null })
      await queues.putQueue(changed, T0 + MIN)
      expect(await queues.queue('care')).toEqual(changed)
      expect((await queues.queues()).map((q) => q.id)).toEqual(['b-always', 'care'])
      expect(await queues.deleteQueue('b-always')).toBe(true)
      expect(await queues.deleteQueue('b-always')).toBe(false)
      expect(await queues.queues()).toEqual([changed])
    })

    it('puts, reads back and replaces agents; lists them by id; sets the shift', async () => {
      const { queues } = store()
      expect(await queues.agents()).toEqual([])
      await queues.putAgent(agent('mei', { queues: ['care', 'vip'], skills: ['lang:zh'], capacity: 2 }), T0)
      await queues.putAgent(agent('ben', { onShift: false }), T0)
      expect(await queues.agent('mei')).toEqual(agent('mei', { queues: ['care', 'vip'], skills: ['lang:zh'], capacity: 2 }))
      expect((await queues.agents()).map((a) => a.id)).toEqual(['ben', 'mei'])
      await queues.putAgent(agent('mei', { displayName: 'Mei', queues: [], skills: [], onShift: false, capacity: null }), T0 + MIN)
      expect(await queues.agent('mei')).toEqual(agent('mei', { displayName: 'Mei', queues: [], skills: [], onShift: false, capacity: null }))
      expect(await queues.setOnShift('ben', true, T0 + MIN)).toBe(true)
      expect(await queues.agent('ben')).toMatchObject({ onShift: true })
      expect(await queues.setOnShift('nobody', true, T0)).toBe(false)
      expect(await queues.agent('nobody')).toBeUndefined()
    })

    it('loads: per configured queue, its agents on shift, their capacity and its open available tasks', async () => {
      const { queues, tasks } = store()
      await queues.putQueue(queue('l-main', { capacityPerAgent: 4 }), T0)
      await queues.putQueue(queue('l-empty', { capacityPerAgent: 3 }), T0)
      await queues.putAgent(agent('l-a', { queues: ['l-main'] }), T0)
      await queues.putAgent(agent('l-b', { queues: ['l-main', 'l-empty'], capacity: 1, onShift: false }), T0)
      await queues.putAgent(agent('l-c', { queues: ['l-main'], capacity: 7 }), T0)
      await tasks.insert([
        taskRow('lt-open', { queue: 'l-main' }),
        taskRow('lt-claimed', { queue: 'l-main' }),
        taskRow('lt-resolved', { queue: 'l-main' }),
        taskRow('lt-later', { queue: 'l-main', availableAt: T0 + 10 * MIN }),
        taskRow('lt-unconfigured', { queue: 'l-nowhere' }),
      ])
      await tasks.claim('lt-claimed', 'l-a', T0)
      await tasks.resolve('lt-resolved', 'root', 'not_needed', undefined, T0, true)

      const loads = await queues.loads(T0)
      expect(loads.get('l-main')).toEqual({ queue: queue('l-main', { capacityPerAgent: 4 }), agentsOnShift: 2, openTasks: 2, capacity: 4 + 7 })
      expect(loads.get('l-empty')).toEqual({ queue: queue('l-empty', { capacityPerAgent: 3 }), agentsOnShift: 0, openTasks: 0, capacity: 0 })
      expect(loads.has('l-nowhere')).toBe(false)
      // A queued task counts once it is available; an agent counts once on shift.
      await queues.setOnShift('l-b', true, T0 + MIN)
      const later = await queues.loads(T0 + 10 * MIN)
      expect(later.get('l-main')).toMatchObject({ agentsOnShift: 3, openTasks: 3, capacity: 4 + 1 + 7 })
      expect(later.get('l-empty')).toMatchObject({ agentsOnShift: 1, capacity: 1 })
    })
  })
}
