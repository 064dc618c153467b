import * as fs from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { nativeBinding } from '../../../src/native/load.js'
import { bindings, fixturePath, makeTempDir, packageRoot, patternBytes, removeTempDirs, runNode } from './helpers.js'

const require = createRequire(import.meta.url)
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }

/** The reference: crc-32's table implementation (signed result → unsigned). */
function referenceCrc(data: Uint8Array, crc = 0): number {
  return CRC32C.buf(data, crc | 0) >>> 0
}

afterEach(removeTempDirs)

describe.each(bindings.map((b) => [b.kind, b] as const))('crc32c (%s)', (_kind, binding) => {
  it('computes the CRC-32C check value 0xE3069283 of "123456789"', () => {
    // Property: the standard check value of the Castagnoli CRC (RFC 3720 appendix B.4 catalogue).
    expect(binding.crc32c(Buffer.from('123456789', 'latin1'))).toBe(0xe3069283)
  })

  it('matches crc-32 for every length up to 300 bytes at every alignment', () => {
    // Property: the 8-byte steps, the unaligned head and the tail give the reference CRC.
    const data = patternBytes(400)
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 300; length++) {
        const view = data.subarray(offset, offset + length)
        expect(binding.crc32c(view), `offset ${offset} length ${length}`).toBe(referenceCrc(view))
      }
    }
  })

  it('matches crc-32 on large inputs, on both sides of the 3-stream block sizes', () => {
    // Property: long runs (record batches up to megabytes) give the reference CRC; the addon splits
    // inputs of 3 x 256 and 3 x 8192 bytes and more into three streams and must recombine them exactly.
    const lengths = [767, 768, 769, 1023, 4093, 24_575, 24_576, 24_583, 65_536, 1_048_579]
    const data = patternBytes(1_048_579 + 3)
    for (const length of lengths) {
      for (const offset of [0, 3]) {
        const view = data.subarray(offset, offset + length)
        expect(binding.crc32c(view), `offset ${offset} length ${length}`).toBe(referenceCrc(view))
      }
    }
  })

  it('continues a CRC across chunks as if over the concatenation', () => {
    // Property: crc32c(b, crc32c(a)) === crc32c(a ++ b) for any split point.
    const data = patternBytes(1000)
    const whole = binding.crc32c(data)
    for (const split of [0, 1, 7, 8, 9, 61, 500, 999, 1000]) {
      expect(binding.crc32c(data.subarray(split), binding.crc32c(data.subarray(0, split))), `split ${split}`).toBe(whole)
    }
  })

  it('returns the starting CRC for empty input', () => {
    // Property: continuing over nothing changes nothing (and the CRC of nothing is 0).
    expect(binding.crc32c(new Uint8Array(0))).toBe(0)
    expect(binding.crc32c(new Uint8Array(0), 0xdeadbeef)).toBe(0xdeadbeef)
  })

  it('treats a signed 32-bit starting CRC like its unsigned value', () => {
    // Property: a CRC from crc-32 (signed int) continues the same as the unsigned one.
    const head = Buffer.from('record batch head')
    const tail = Buffer.from('and its tail')
    const signed = CRC32C.buf(head)
    expect(signed).toBeLessThan(0)
    expect(binding.crc32c(tail, signed)).toBe(binding.crc32c(tail, signed >>> 0))
    expect(binding.crc32c(tail, signed)).toBe(referenceCrc(Buffer.concat([head, tail])))
  })

  it('checksums the bytes under every TypedArray kind and DataView', () => {
    // Property: the CRC covers the view's bytes (byteOffset..byteOffset+byteLength), whatever its element type.
    const backing = patternBytes(256 + 16)
    const arrayBuffer = backing.buffer.slice(backing.byteOffset, backing.byteOffset + backing.byteLength)
    const byteOffset = 8 // aligned for every element size
    const views: ArrayBufferView[] = [
      new Int8Array(arrayBuffer, byteOffset, 64),
      new Uint8Array(arrayBuffer, byteOffset, 64),
      new Uint8ClampedArray(arrayBuffer, byteOffset, 64),
      new Int16Array(arrayBuffer, byteOffset, 32),
      new Uint16Array(arrayBuffer, byteOffset, 32),
      new Int32Array(arrayBuffer, byteOffset, 16),
      new Uint32Array(arrayBuffer, byteOffset, 16),
      new Float32Array(arrayBuffer, byteOffset, 16),
      new Float64Array(arrayBuffer, byteOffset, 8),
      new BigInt64Array(arrayBuffer, byteOffset, 8),
      new BigUint64Array(arrayBuffer, byteOffset, 8),
      new DataView(arrayBuffer, byteOffset, 64),
      Buffer.from(arrayBuffer, byteOffset, 64),
    ]
    const expected = referenceCrc(new Uint8Array(arrayBuffer, byteOffset, 64))
    for (const view of views) {
      expect(binding.crc32c(view as Uint8Array), view.constructor.name).toBe(expected)
    }
  })
})

describe.runIf(nativeBinding !== null)('crc32c in the addon', () => {
  const cases = [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 255, 768, 4096, 24_576, 65_539].flatMap((length) =>
    [0, 1, 3, 7].map((offset) => ({ offset, length, crc: length % 2 === 0 ? 0 : 0x12345678 })),
  )

  async function runCases(env: NodeJS.ProcessEnv): Promise<{ method: string; crcs: number[]; copies: (number | null)[] }> {
    const dataPath = path.join(makeTempDir(), 'data')
    fs.writeFileSync(dataPath, patternBytes(70_000))
    const result = await runNode([fixturePath('crc-cases.mjs'), packageRoot, dataPath, JSON.stringify(cases)], env)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return JSON.parse(result.stdout) as { method: string; crcs: number[]; copies: (number | null)[] }
  }

  /** copyWithCrc32c's CRC of each case: from 21 bytes in (or the whole range), of the bytes copied. */
  function expectedCopyCrcs(): number[] {
    const data = patternBytes(70_000)
    return cases.map(({ offset, length }) => referenceCrc(data.subarray(offset + Math.min(21, length), offset + length)))
  }

  function expectedCrcs(): number[] {
    const data = patternBytes(70_000)
    return cases.map(({ offset, length, crc }) => referenceCrc(data.subarray(offset, offset + length), crc))
  }

  it('uses the SSE4.2 instruction on CPUs that have it', async () => {
    // Property: the fast path is the one in use where the CPU supports it, and it is correct.
    const { method, crcs, copies } = await runCases({ SEGLOG_CRC32C_PORTABLE: undefined })
    const cpuHasSse42 = fs.existsSync('/proc/cpuinfo') && /\bsse4_2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'))
    expect(method).toBe(cpuHasSse42 && ['x64', 'ia32'].includes(process.arch) ? 'sse4.2' : 'table')
    expect(crcs).toEqual(expectedCrcs())
    expect(copies).toEqual(expectedCopyCrcs())
  })

  it('computes the same CRCs with its portable slicing table', async () => {
    // Property: the table path (CPUs without SSE4.2, other architectures) matches the reference.
    const { method, crcs, copies } = await runCases({ SEGLOG_CRC32C_PORTABLE: '1' })
    expect(method).toBe('table')
    expect(crcs).toEqual(expectedCrcs())
    expect(copies).toEqual(expectedCopyCrcs())
  })
})
