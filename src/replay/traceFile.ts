// A replay's trace file: a JSON array is read whole (it cannot be read in parts); JSONL from a
// file is read line by line as the replay goes, so its size does not bound what can be replayed.
// stdin is read whole (its first line cannot be looked at and put back).
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { InputError, parseTrace } from './inputs.ts'

const NOTHING = Symbol('blank line')

export type TraceInput =
  | { kind: 'messages'; messages: unknown[] }
  /** `stream` yields the messages of each chunk read (64 kB): one await a chunk, not a message. */
  | { kind: 'stream'; size: number; bytesRead: () => number; stream: () => AsyncGenerator<unknown[]> }

/** Whether the file's first non-blank character opens a JSON array. */
function startsWithArray(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(4096)
    for (let position = 0; ; ) {
      const n = readSync(fd, buffer, 0, buffer.length, position)
      if (n === 0) return false
      const text = buffer.subarray(0, n).toString('latin1').trimStart()
      if (text !== '') return text.startsWith('[')
      position += n
    }
  } finally {
    closeSync(fd)
  }
}

export function openTrace(path: string): TraceInput {
  try {
    if (path === '-') return { kind: 'messages', messages: parseTrace(readFileSync(0, 'utf8'), path) }
    const size = statSync(path).size
    if (startsWithArray(path)) return { kind: 'messages', messages: parseTrace(readFileSync(path, 'utf8'), path) }
    let read = 0
    async function* stream(): AsyncGenerator<unknown[]> {
      const input = createReadStream(path)
      const decoder = new StringDecoder('utf8')
      let line = 0
      let rest = ''
      const parse = (text: string): unknown => {
        line++
        try {
          return text.trim() === '' ? NOTHING : (JSON.parse(text) as unknown)
        } catch (err) {
          input.destroy()
          throw new InputError(`${path}:${line}: not JSON: ${(err as Error).message}`)
        }
      }
      // Split on \n only, as parseTrace does (a stray \r is JSON whitespace).
      for await (const chunk of input as AsyncIterable<Buffer>) {
        read += chunk.length
        const lines = (rest + decoder.write(chunk)).split('\n')
        rest = lines.pop() as string
        const values: unknown[] = []
        for (const text of lines) {
          const value = parse(text)
          if (value !== NOTHING) values.push(value)
        }
        if (values.length > 0) yield values
      }
      const value = parse(rest + decoder.end())
      if (value !== NOTHING) yield [value]
    }
    return { kind: 'stream', size, bytesRead: () => read, stream }
  } catch (err) {
    if (err instanceof InputError) throw err
    throw new InputError(`cannot read the trace: ${(err as Error).message}`)
  }
}
