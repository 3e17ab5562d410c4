// A loopback TCP proxy in front of a real server, for outage tests of servers the test process
// runs itself (the SMTP sink): down() closes the listening socket and every open connection, so
// clients get "connection refused" exactly as from a stopped server; up() listens on the same port.
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface TcpProxy {
  /** The proxy's address, "127.0.0.1:PORT". */
  address: string
  port: number
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  function listen(): Promise<void> {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const sock of [client, upstream]) {
        sockets.add(sock)
        sock.on('close', () => sockets.delete(sock))
        // A reset on one side ends both; it is the scenario, not a test failure.
        sock.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server = s
    return new Promise((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port
        resolve()
      })
    })
  }

  async function down(): Promise<void> {
    const s = server
    server = undefined
    if (!s) return
    const closed = new Promise<void>((resolve) => s.close(() => resolve()))
    for (const sock of sockets) sock.destroy()
    await closed
  }

  await listen()
  return {
    address: `127.0.0.1:${port}`,
    port,
    down,
    up: () => (server ? Promise.resolve() : listen()),
    close: down,
  }
}
