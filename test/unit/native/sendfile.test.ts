import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SENDFILE_WOULD_BLOCK } from '../../../src/native/binding.js'
import { bindings, makeTempDir, patternBytes, removeTempDirs, writeFile } from './helpers.js'

const SOURCE_BYTES = 300_000

afterEach(removeTempDirs)

/** A FIFO opened read-write and non-blocking: one fd that is both ends of a pipe. */
function openPipe(dir: string): number {
  const fifoPath = path.join(dir, 'pipe')
  execFileSync('mkfifo', [fifoPath])
  return fs.openSync(fifoPath, fs.constants.O_RDWR | fs.constants.O_NONBLOCK)
}

/** Writes filler until the pipe is full (EAGAIN); returns the bytes written. */
function fillPipe(fd: number): number {
  const filler = Buffer.alloc(64 * 1024, 0xee)
  let filledBytes = 0
  for (;;) {
    try {
      filledBytes += fs.writeSync(fd, filler)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return filledBytes
      throw err
    }
  }
}

/** Reads `length` bytes that are already in the pipe. */
function readPipe(fd: number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  let done = 0
  while (done < length) done += fs.readSync(fd, bytes, done, length - done, null)
  return bytes
}

describe.each(bindings.map((b) => [b.kind, b] as const))('sendfile (%s)', (_kind, binding) => {
  function openSource(): { fd: number; bytes: Buffer; dir: string } {
    const dir = makeTempDir()
    const bytes = patternBytes(SOURCE_BYTES)
    return { fd: fs.openSync(writeFile(dir, 'segment.log', bytes), 'r'), bytes, dir }
  }

  it('copies exactly the requested range into a file', () => {
    // Property: the bytes [position, position + length) arrive in order, nothing more (calls may be short).
    const { fd, bytes, dir } = openSource()
    const outPath = path.join(dir, 'out')
    const outFd = fs.openSync(outPath, 'w')
    try {
      const position = 12_345
      const length = 200_001
      let sentBytes = 0
      while (sentBytes < length) {
        const n = binding.sendfile(outFd, fd, position + sentBytes, length - sentBytes)
        expect(n).toBeGreaterThan(0)
        sentBytes += n
      }
      expect(sentBytes).toBe(length)
      expect(fs.readFileSync(outPath).equals(bytes.subarray(position, position + length))).toBe(true)
    } finally {
      fs.closeSync(outFd)
      fs.closeSync(fd)
    }
  })

  it('leaves the file position of the input fd unchanged', () => {
    // Property: sendfile reads at an explicit offset, so other readers of the fd are unaffected.
    const { fd, bytes, dir } = openSource()
    const outFd = fs.openSync(path.join(dir, 'out'), 'w')
    try {
      expect(binding.sendfile(outFd, fd, 1000, 5000)).toBe(5000)
      const head = Buffer.alloc(16)
      fs.readSync(fd, head, 0, head.byteLength, null) // null: read at the current file position
      expect(head.equals(bytes.subarray(0, 16))).toBe(true)
    } finally {
      fs.closeSync(outFd)
      fs.closeSync(fd)
    }
  })

  it('returns 0 at the end of the input and sends only up to it', () => {
    // Property: the end of the input is a 0 result, and a range past it is cut at EOF.
    const { fd, bytes, dir } = openSource()
    const outPath = path.join(dir, 'out')
    const outFd = fs.openSync(outPath, 'w')
    try {
      expect(binding.sendfile(outFd, fd, SOURCE_BYTES, 100)).toBe(0)
      expect(binding.sendfile(outFd, fd, SOURCE_BYTES - 10, 100)).toBe(10)
      expect(fs.readFileSync(outPath).equals(bytes.subarray(SOURCE_BYTES - 10))).toBe(true)
    } finally {
      fs.closeSync(outFd)
      fs.closeSync(fd)
    }
  })

  it('copies a range into a pipe', () => {
    // Property: non-file outputs (pipes, like sockets) receive exactly the range.
    const { fd, bytes, dir } = openSource()
    const pipeFd = openPipe(dir)
    try {
      expect(binding.sendfile(pipeFd, fd, 777, 10_000)).toBe(10_000)
      expect(readPipe(pipeFd, 10_000).equals(bytes.subarray(777, 10_777))).toBe(true)
    } finally {
      fs.closeSync(pipeFd)
      fs.closeSync(fd)
    }
  })

  it('returns SENDFILE_WOULD_BLOCK on a full non-blocking pipe without blocking', () => {
    // Property: a full output is reported, not waited on (this test would hang if it blocked).
    const { fd, bytes, dir } = openSource()
    const pipeFd = openPipe(dir)
    try {
      const filledBytes = fillPipe(pipeFd)
      expect(binding.sendfile(pipeFd, fd, 0, 4096)).toBe(SENDFILE_WOULD_BLOCK)
      readPipe(pipeFd, filledBytes)
      expect(binding.sendfile(pipeFd, fd, 0, 4096)).toBe(4096)
      expect(readPipe(pipeFd, 4096).equals(bytes.subarray(0, 4096))).toBe(true)
    } finally {
      fs.closeSync(pipeFd)
      fs.closeSync(fd)
    }
  })

  it('sends what fits and returns that count when the pipe fills part way', () => {
    // Property: progress before EAGAIN is reported as a short count, never lost and never -1.
    const { fd, bytes, dir } = openSource()
    const pipeFd = openPipe(dir)
    try {
      const filledBytes = fillPipe(pipeFd)
      readPipe(pipeFd, 4096) // room for one page
      const sentBytes = binding.sendfile(pipeFd, fd, 50, 100_000)
      expect(sentBytes).toBeGreaterThan(0)
      expect(sentBytes).toBeLessThan(100_000)
      readPipe(pipeFd, filledBytes - 4096)
      expect(readPipe(pipeFd, sentBytes).equals(bytes.subarray(50, 50 + sentBytes))).toBe(true)
    } finally {
      fs.closeSync(pipeFd)
      fs.closeSync(fd)
    }
  })

  it('throws EBADF for an output fd that is not open for writing', () => {
    // Property: other errors surface with their errno name.
    const { fd } = openSource()
    try {
      expect(() => binding.sendfile(fd, fd, 0, 100)).toThrow(expect.objectContaining({ code: 'EBADF' }))
    } finally {
      fs.closeSync(fd)
    }
  })
})
