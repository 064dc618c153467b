/**
 * `partition.sendTo(socketOrFd, { offset, maxBytes })` (api.md "Reading"): writes raw record
 * batches — Kafka v2 bytes as stored — to a socket or file descriptor with sendfile(2), without
 * copying them through JS.
 *
 * - One segment per call, whole batches from the one holding `offset`, up to `maxBytes` (at least
 *   one batch), never past the high watermark. The caller continues from `nextOffset`.
 * - Read integrity (reliability.md contract 3): every batch's CRC-32C is checked before a byte of
 *   the slice is sent; a damaged batch rejects with CORRUPT_RECORD and nothing is sent.
 * - Ordering on a socket: sendfile writes to the fd directly, so it starts only once the socket's
 *   own write queue is empty (else file bytes would overtake bytes the socket still buffers).
 *   When the kernel buffer is full (EAGAIN) the rest goes through `socket.write` — the binding
 *   never spins on EAGAIN.
 * - To a file descriptor (a file or a pipe, which do not answer EAGAIN the way a socket does),
 *   sendfile moves at most SENDFILE_CHUNK_BYTES per call with a yield between calls, so a large
 *   maxBytes never blocks the event loop for more than one chunk.
 * - Every sendfile goes through the FileSystem seam, where tests inject faults. A system error
 *   (EPIPE from a closed socket, EIO) reaches the caller as it is: it may be the target's.
 * - Retention may close the segment while a send waits: the rest is written from the bytes already
 *   read (a view keeps its mapping; a fallback read is a copy), never SEGMENT_CLOSED.
 * - The fallback binding "sendfile" is pread + write: same bytes, one copy.
 */
import type { Socket } from 'node:net'
import * as nodeFs from 'node:fs'
import { SeglogError } from '../errors.js'
import { batchSizeAt, isBatchCrcValid, lastOffsetAt, BATCH_HEADER_BYTES, baseOffsetAt } from '../format/batch-header.js'
import type { FileSystem } from '../io/file.js'
import { SENDFILE_CHUNK_BYTES } from '../limits.js'
import { SENDFILE_WOULD_BLOCK } from '../native/binding.js'
import type { Segment } from '../segment/segment.js'
import type { ReadBound } from './reader.js'

export interface SendSlice {
  segment: Segment
  position: number
  bytes: Buffer
  nextOffset: number
}

/** The whole, CRC-checked batches `sendTo` will send, or null when there is nothing below the bound. */
export function sliceForSend(segments: readonly Segment[], startIndex: number, offset: number, bound: ReadBound, maxBytes: number): SendSlice | null {
  for (let index = Math.max(startIndex, 0); index < segments.length; index++) {
    const segment = segments[index]!
    if (segment.baseOffset > bound.segmentBaseOffset) return null
    const maxPosition = segment.baseOffset === bound.segmentBaseOffset ? bound.position : undefined
    const read = segment.read(offset, maxBytes, { maxPosition, minOneMessage: true })
    if (read === null || read.bytes.length === 0) {
      if (segment.baseOffset === bound.segmentBaseOffset) return null
      continue
    }
    let pos = 0
    let nextOffset = offset
    const bytes = read.bytes
    while (pos + BATCH_HEADER_BYTES <= bytes.length) {
      if (baseOffsetAt(bytes, pos) >= bound.offset) break
      const size = batchSizeAt(bytes, pos)
      if (!isBatchCrcValid(bytes, pos, size)) {
        throw new SeglogError('CORRUPT_RECORD', `Corrupt record batch in ${segment.path} at position ${read.position + pos}: CRC-32C mismatch`, {
          path: segment.path,
          position: read.position + pos,
          offset: baseOffsetAt(bytes, pos),
          reason: 'crc-mismatch',
        })
      }
      nextOffset = lastOffsetAt(bytes, pos) + 1
      pos += size
    }
    if (pos === 0) return null
    return { segment, position: read.position, bytes: bytes.subarray(0, pos), nextOffset }
  }
  return null
}

function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : -1
}

function waitForEmptyQueue(socket: Socket): Promise<void> {
  if (socket.writableLength === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('drain', onDrain)
      socket.off('error', onError)
      socket.off('close', onClose)
    }
    const onDrain = (): void => {
      if (socket.writableLength > 0) return
      cleanup()
      resolve()
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onClose = (): void => {
      cleanup()
      reject(Object.assign(new Error('socket closed before the send'), { code: 'EPIPE' }))
    }
    socket.on('drain', onDrain)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
}

function socketWrite(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())))
}

function fdWrite(fd: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0
    const next = (): void => {
      nodeFs.write(fd, bytes, done, bytes.length - done, null, (err, written) => {
        if (err) return reject(err)
        done += written
        if (done >= bytes.length) resolve()
        else next()
      })
    }
    next()
  })
}

/**
 * Sends `slice` to the target: sendfile while the kernel takes it, the rest written from the
 * slice's bytes (already read and CRC-checked). To a file descriptor each sendfile call moves at
 * most SENDFILE_CHUNK_BYTES, with a yield to the event loop between calls. If retention closes the
 * segment meanwhile (its descriptor is gone; the bytes in hand stay valid), the rest is written
 * from those bytes too — a caller never sees the segment layer's SEGMENT_CLOSED.
 */
export async function sendSlice(fs: FileSystem, target: Socket | number, slice: SendSlice): Promise<void> {
  const length = slice.bytes.length
  let sent = 0
  if (typeof target === 'number') {
    while (sent < length) {
      if (sent > 0) await yieldToEventLoop()
      const n = sendfileFromSegment(fs, target, slice, sent, Math.min(length - sent, SENDFILE_CHUNK_BYTES))
      if (n <= 0) break
      sent += n
    }
    if (sent < length) await fdWrite(target, slice.bytes.subarray(sent))
    return
  }
  await waitForEmptyQueue(target)
  const fd = socketFd(target)
  if (fd >= 0) {
    while (sent < length) {
      const n = sendfileFromSegment(fs, fd, slice, sent, length - sent)
      if (n <= 0) break
      sent += n
    }
  }
  if (sent < length) await socketWrite(target, slice.bytes.subarray(sent))
}

/**
 * One sendfile of the slice's bytes from `offset` on: the bytes sent, or 0 when the caller should
 * write the rest itself (the output would block, the input ended, or the segment was closed).
 */
function sendfileFromSegment(fs: FileSystem, outFd: number, slice: SendSlice, offset: number, length: number): number {
  let inFd: number
  try {
    inFd = slice.segment.fd
  } catch (err) {
    if (err instanceof SeglogError && err.code === 'SEGMENT_CLOSED') return 0
    throw err
  }
  const n = fs.sendfile(outFd, inFd, slice.position + offset, length)
  return n === SENDFILE_WOULD_BLOCK ? 0 : n
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
