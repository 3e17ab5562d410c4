// CPU time used by the bench's processes, read from /proc (Linux): this process, the servers it
// spawned (ClickHouse, the Kafka mock) and the detached PostgreSQL postmaster with its backends.
// Unlike wall time, CPU seconds per event hardly move when other work loads the machine.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const TICK = 100 // USER_HZ on Linux

interface ProcStat {
  pid: number
  ppid: number
  /** utime + stime + cutime + cstime, seconds: itself and its waited-for children. */
  cpu: number
}

function stat(pid: number | 'self'): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: fields are counted after its closing paren.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    const n = (i: number) => Number(fields[i - 3])
    return { pid: Number(text.slice(0, text.indexOf(' '))), ppid: n(4), cpu: (n(14) + n(15) + n(16) + n(17)) / TICK }
  } catch {
    return undefined
  }
}

function all(): ProcStat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => stat(Number(d)) ?? [])
}

function treeCpu(root: number, procs: readonly ProcStat[]): number {
  let total = 0
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.pop() as number
    const p = procs.find((x) => x.pid === pid)
    if (p) total += p.cpu
    for (const child of procs) if (child.ppid === pid) queue.push(child.pid)
  }
  return total
}

/** The postmaster listening on `port`: its postmaster.pid names the port on line 4. */
function postmasterOf(port: number, procs: readonly ProcStat[]): number | undefined {
  for (const p of procs) {
    let cmd: string
    try {
      cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').join(' ')
    } catch {
      continue
    }
    const dir = /\bpostgres\b.* -D (\S+)/.exec(cmd)?.[1]
    if (!dir) continue
    try {
      const lines = readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')
      if (Number(lines[3]) === port) return p.pid
    } catch {
      // not readable or gone: not ours
    }
  }
  return undefined
}

export interface CpuSample {
  node: number
  /** Processes this one spawned (ClickHouse server, Kafka mock). */
  children: number
  postgres: number
}

export class ProcessCpu {
  private postmaster: number | undefined

  constructor(private readonly postgresPort: number) {}

  sample(): CpuSample {
    const procs = all()
    this.postmaster ??= postmasterOf(this.postgresPort, procs)
    const self = stat('self')
    const node = process.cpuUsage()
    const childrenOfSelf = procs.filter((p) => p.ppid === self?.pid).reduce((sum, p) => sum + treeCpu(p.pid, procs), 0)
    return { node: (node.user + node.system) / 1e6, children: childrenOfSelf, postgres: this.postmaster === undefined ? 0 : treeCpu(this.postmaster, procs) }
  }

  static since(before: CpuSample, after: CpuSample): CpuSample & { total: number } {
    const node = after.node - before.node
    const children = after.children - before.children
    const postgres = after.postgres - before.postgres
    return { node, children, postgres, total: node + children + postgres }
  }

  /** The mean of two measurements of the same work (e.g. before and after another run). */
  static mean(a: CpuSample & { total: number }, b: CpuSample & { total: number }): CpuSample & { total: number } {
    return { node: (a.node + b.node) / 2, children: (a.children + b.children) / 2, postgres: (a.postgres + b.postgres) / 2, total: (a.total + b.total) / 2 }
  }
}
