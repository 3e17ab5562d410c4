// One log record on disk: [payload length u32][crc32 of payload u32][payload]. The payload holds a
// fixed header (seq, receivedAt as f64; partition, meta length u32), the meta JSON
// [messageId, customerId] and the body JSON. JSON keeps NUL and lone surrogates as escapes, so
// every string round-trips as it did through the SQL table; the meta is read without the body.
import { crc32 } from 'node:zlib'
import type { LogRecord } from './EventLog.ts'

export const FRAME_HEADER = 8
const FIXED = 8 + 8 + 4 + 4
/** A frame longer than this is corruption, not a record (ingest bodies are far smaller). */
export const MAX_PAYLOAD = 64 * 1024 * 1024

export function encodeFrame(record: LogRecord): Buffer {
  const meta = Buffer.from(JSON.stringify([record.messageId, record.customerId]), 'utf8')
  const body = Buffer.from(JSON.stringify(record.body) ?? 'null', 'utf8')
  const payloadLength = FIXED + meta.length + body.length
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payloadLength)
  frame.writeUInt32LE(payloadLength, 0)
  frame.writeDoubleLE(record.seq, 8)
  frame.writeDoubleLE(record.receivedAt, 16)
  frame.writeUInt32LE(record.partition, 24)
  frame.writeUInt32LE(meta.length, 28)
  meta.copy(frame, 8 + FIXED)
  body.copy(frame, 8 + FIXED + meta.length)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER)), 4)
  return frame
}

/** What a scan learns from a frame without parsing its body. */
export interface FrameMeta {
  seq: number
  partition: number
  receivedAt: number
  messageId: string
  customerId: string
  /** Offset of the frame in its buffer, and its whole length. */
  offset: number
  length: number
}

export type FrameResult = { ok: true; meta: FrameMeta } | { ok: false; reason: 'short' | 'corrupt' }

/** Decodes the frame at `offset` of `buf` (its meta only); 'short' when buf ends inside it. */
export function decodeFrameMeta(buf: Buffer, offset: number): FrameResult {
  if (buf.length - offset < FRAME_HEADER) return { ok: false, reason: 'short' }
  const payloadLength = buf.readUInt32LE(offset)
  if (payloadLength < FIXED || payloadLength > MAX_PAYLOAD) return { ok: false, reason: 'corrupt' }
  if (buf.length - offset < FRAME_HEADER + payloadLength) return { ok: false, reason: 'short' }
  const start = offset + FRAME_HEADER
  const payload = buf.subarray(start, start + payloadLength)
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'corrupt' }
  const metaLength = payload.readUInt32LE(20)
  if (FIXED + metaLength > payloadLength) return { ok: false, reason: 'corrupt' }
  let meta: unknown
  try {
    meta = JSON.parse(payload.toString('utf8', FIXED, FIXED + metaLength))
  } catch {
    return { ok: false, reason: 'corrupt' }
  }
  if (!Array.isArray(meta) || typeof meta[0] !== 'string' || typeof meta[1] !== 'string') return { ok: false, reason: 'corrupt' }
  return {
    ok: true,
    meta: {
      seq: payload.readDoubleLE(0),
      receivedAt: payload.readDoubleLE(8),
      partition: payload.readUInt32LE(16),
      messageId: meta[0],
      customerId: meta[1],
      offset,
      length: FRAME_HEADER + payloadLength,
    },
  }
}

/** The whole record of a frame whose meta decoded. */
export function decodeBody(buf: Buffer, meta: FrameMeta): unknown {
  const start = meta.offset + FRAME_HEADER
  const metaLength = buf.readUInt32LE(start + 20)
  return JSON.parse(buf.toString('utf8', start + FIXED + metaLength, meta.offset + meta.length)) as unknown
}
