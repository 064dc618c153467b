/**
 * sendTo's file-descriptor path (send-to.ts): every sendfile goes through the FileSystem seam, a
 * large maxBytes to a descriptor moves in bounded chunks with the event loop running between
 * them, and retention closing the segment mid-send never surfaces SEGMENT_CLOSED.
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer, connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeFileSystem } from '../../../src/io/file.js'
import { SENDFILE_CHUNK_BYTES } from '../../../src/limits.js'
import { Log } from '../../../src/log.js'
import { binding } from '../../../src/native/load.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'

/** The real file system, with every sendfile recorded and, optionally, cut to `maxPerCall` bytes or failed. */
class SendfileSpy extends NodeFileSystem {
  calls: number[] = []
  maxPerCall = Number.MAX_SAFE_INTEGER
  failWith: NodeJS.ErrnoException | null = null
  onCall: (call: number) => void = () => {}

  constructor() {
    super(binding)
  }

  override sendfile(outFd: number, inFd: number, position: number, length: number): number {
    this.calls.push(length)
    this.onCall(this.calls.length)
    if (this.failWith !== null) throw this.failWith
    return super.sendfile(outFd, inFd, position, Math.min(length, this.maxPerCall))
  }
}

const logs: Log[] = []
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => {})
  removeTempDirs()
})

/** A log on `fs` with topic 't' of `segments` full segments of 64 KiB-ish batches. */
async function logWithSegments(fs: SendfileSpy, batches: number, segmentBytes: number): Promise<{ log: Log; dir: string }> {
  const dir = makeTempDir('seglog-send-to-')
  const log = await Log.open(dir, { fileSystem: fs })
  logs.push(log)
  await log.createTopic('t', { segmentBytes })
  const p = log.partition('t', 0)
  for (let i = 0; i < batches; i++) await p.append([{ value: Buffer.alloc(64 * 1024, i) }])
  return { log, dir }
}

/** The bytes of the partition's first `.log` file, as stored. */
function firstSegmentBytes(dir: string): Buffer {
  return readFileSync(join(dir, 't-0', '00000000000000000000.log'))
}

describe('sendTo through the FileSystem seam', () => {
  it('sends a large maxBytes through the FileSystem seam in chunks of at most SENDFILE_CHUNK_BYTES, letting the event loop run between them', async () => {
    // Property: no sendfile call asks for more than one chunk, the event loop runs while the send
    // goes on (a setImmediate fires before it ends), and the file receives exactly the stored bytes.
    const fs = new SendfileSpy()
    const { log, dir } = await logWithSegments(fs, 12, 8 * 1024 * 1024)
    const expected = firstSegmentBytes(dir)
    expect(expected.length).toBeGreaterThan(3 * SENDFILE_CHUNK_BYTES)
    const outPath = join(dir, 'out.bin')
    const out = openSync(outPath, 'w')
    let turns = 0
    const counting = setInterval(() => turns++, 0)
    try {
      const result = await log.partition('t', 0).sendTo(out, { offset: 0, maxBytes: 64 * 1024 * 1024 })
      expect(result).toEqual({ bytes: expected.length, nextOffset: 12 })
    } finally {
      clearInterval(counting)
      closeSync(out)
    }
    expect(readFileSync(outPath).equals(expected)).toBe(true)
    expect(fs.calls.length).toBeGreaterThanOrEqual(Math.ceil(expected.length / SENDFILE_CHUNK_BYTES))
    expect(Math.max(...fs.calls)).toBeLessThanOrEqual(SENDFILE_CHUNK_BYTES)
    expect(turns).toBeGreaterThan(0)
  })

  it('rejects with the sendfile error the seam raises, and the log keeps accepting writes', async () => {
    // Property: a fault injected at the seam reaches the caller (it may be the target's, so it is
    // not fail-stop), and nothing else changes.
    const fs = new SendfileSpy()
    const { log, dir } = await logWithSegments(fs, 2, 8 * 1024 * 1024)
    fs.failWith = Object.assign(new Error('EIO: i/o error, sendfile'), { code: 'EIO' })
    const out = openSync(join(dir, 'out.bin'), 'w')
    try {
      await expect(log.partition('t', 0).sendTo(out, { offset: 0 })).rejects.toMatchObject({ code: 'EIO' })
    } finally {
      closeSync(out)
    }
    expect(log.failure).toBeNull()
    await expect(log.partition('t', 0).append([{ value: 'after' }])).resolves.toMatchObject({ baseOffset: 2 })
  })

  it('finishes from the bytes it read when retention deletes the segment while the send waits, never with SEGMENT_CLOSED', async () => {
    // Property: a send that waits for a socket's queue to empty (its bytes must not overtake what the
    // socket still buffers) completes with exactly the stored bytes although retention deleted the
    // segment — files and descriptor — during the wait.
    const fs = new SendfileSpy()
    const { log, dir } = await logWithSegments(fs, 6, 256 * 1024)
    const p = log.partition('t', 0)
    const expected = firstSegmentBytes(dir)
    const secondBase = p.log.segments[1]!.baseOffset
    const received: Buffer[] = []
    let serverSide: Socket | null = null
    let ended = (): void => {}
    const allReceived = new Promise<void>((resolve) => (ended = resolve))
    const server = createServer((socket) => {
      serverSide = socket.pause() // read nothing yet: the client's queue stays full
      socket.on('data', (d: Buffer) => received.push(d)).on('end', () => ended())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client: Socket = connect((server.address() as { port: number }).port, '127.0.0.1')
    await new Promise<void>((resolve) => client.once('connect', () => resolve()))
    while (serverSide === null) await new Promise((resolve) => setImmediate(resolve))
    const filler = Buffer.alloc(32 * 1024 * 1024, 0x2a)
    client.write(filler)
    expect(client.writableLength).toBeGreaterThan(0)
    const sending = p.sendTo(client, { offset: 0, maxBytes: expected.length })
    await p.deleteRecords(secondBase)
    expect(p.log.segments[0]!.baseOffset).toBe(secondBase)
    ;(serverSide as Socket).resume()
    const result = await sending
    expect(result.bytes).toBe(expected.length)
    await new Promise<void>((resolve) => client.end(resolve))
    await allReceived
    server.close()
    const bytes = Buffer.concat(received)
    expect(bytes.length).toBe(filler.length + expected.length)
    expect(bytes.subarray(filler.length).equals(expected)).toBe(true)
    expect(fs.calls).toEqual([]) // the segment was closed: nothing went through sendfile
  })
})
