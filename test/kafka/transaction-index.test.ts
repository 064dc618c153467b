// Ports of Kafka's TransactionIndexTest (storage/src/test/java/.../log/TransactionIndexTest.java).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../src/io/file.js'
import { TransactionIndex, type AbortedTxn } from '../../src/index/txn-index.js'
import { useTempDir } from './fixtures.js'

const dir = useTempDir()
let index: TransactionIndex

function txn(producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn {
  return { producerId, firstOffset, lastOffset, lastStableOffset }
}

const FOUR_TXNS = [txn(0, 0, 10, 11), txn(1, 5, 15, 13), txn(2, 18, 35, 25), txn(3, 32, 50, 40)]

beforeEach(() => {
  index = new TransactionIndex(defaultFileSystem, join(dir.path, 'test.txnindex'), 0)
})

afterEach(() => {
  index.close()
})

describe('TransactionIndex (Kafka TransactionIndexTest)', () => {
  test('appends after reopening, keeping the old entries first (testPositionSetCorrectlyWhenOpened)', () => {
    // Property: a reopened index continues at its end.
    for (const t of FOUR_TXNS) index.append(t)
    index.close()
    const reopened = new TransactionIndex(defaultFileSystem, index.path, 0)
    const another = txn(3, 50, 60, 55)
    reopened.append(another)
    expect(reopened.allAbortedTxns()).toEqual([...FOUR_TXNS, another])
    reopened.close()
  })

  test('fails its sanity check when opened for a segment starting after an entry (testSanityCheck)', () => {
    // Property: an entry whose lastOffset is below the segment's base offset is CORRUPT_INDEX.
    for (const t of FOUR_TXNS) index.append(t)
    index.close()
    const reopened = new TransactionIndex(defaultFileSystem, index.path, 100)
    expect(() => reopened.load()).toThrow(expect.objectContaining({ code: 'CORRUPT_INDEX' }))
  })

  test('refuses an entry whose last offset does not increase (testLastOffsetMustIncrease, testLastOffsetCannotDecrease)', () => {
    // Property: lastOffset is strictly increasing.
    index.append(txn(1, 5, 15, 13))
    expect(() => index.append(txn(0, 0, 15, 11))).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
    expect(() => index.append(txn(0, 0, 10, 11))).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
    expect(index.allAbortedTxns()).toEqual([txn(1, 5, 15, 13)])
  })

  test('collects the aborted transactions overlapping a range, complete once an LSO passes it (testCollectAbortedTransactions)', () => {
    // Property: Kafka's overlap rule and completeness rule (kafka-storage.md §3.6 / scenario 19).
    for (const t of FOUR_TXNS) index.append(t)
    expect(index.collectAbortedTxns(0, 100)).toEqual({ abortedTxns: FOUR_TXNS, isComplete: false })
    expect(index.collectAbortedTxns(0, 32)).toEqual({ abortedTxns: FOUR_TXNS.slice(0, 3), isComplete: true })
    expect(index.collectAbortedTxns(0, 35)).toEqual({ abortedTxns: FOUR_TXNS, isComplete: true })
    expect(index.collectAbortedTxns(10, 35)).toEqual({ abortedTxns: FOUR_TXNS, isComplete: true })
    expect(index.collectAbortedTxns(11, 35)).toEqual({ abortedTxns: FOUR_TXNS.slice(1, 4), isComplete: true })
    expect(index.collectAbortedTxns(20, 41)).toEqual({ abortedTxns: FOUR_TXNS.slice(2, 4), isComplete: false })
  })

  test('truncates entries whose marker is at or after an offset, and resets to empty (testTruncate)', () => {
    // Property: truncateTo(o) drops entries with lastOffset >= o; reset() drops all.
    const txns = [txn(0, 0, 10, 2), txn(1, 5, 15, 16), txn(2, 18, 35, 25), txn(3, 32, 50, 40)]
    for (const t of txns) index.append(t)
    index.truncateTo(51)
    expect(index.collectAbortedTxns(0, 100).abortedTxns).toEqual(txns)
    index.truncateTo(50)
    expect(index.collectAbortedTxns(0, 100).abortedTxns).toEqual(txns.slice(0, 3))
    index.reset()
    expect(index.collectAbortedTxns(0, 100).abortedTxns).toEqual([])
    expect(defaultFileSystem.fileSize(index.path)).toBe(0)
  })

  test('keeps appending under its new name after a rename (testRenameIndex)', () => {
    // Property: renameTo moves the file and later appends follow it.
    index.append(txn(0, 0, 10, 2))
    const renamed = join(dir.path, 'renamed.txnindex')
    index.renameTo(renamed)
    index.append(txn(1, 5, 15, 16))
    const firstOffsets = index.collectAbortedTxns(0, 100).abortedTxns.map((t) => t.firstOffset)
    expect(firstOffsets).toEqual([0, 5])
    expect(defaultFileSystem.fileSize(renamed)).toBe(68)
  })

  test('creates its file only on the first append (testDoNotCreateFileUntilNeeded, testIsEmpty*)', async () => {
    // Property: reset and flush of a new index leave no file; the first append creates it.
    expect(index.isEmpty).toBe(true)
    index.reset()
    await index.flush()
    expect(existsSync(index.path)).toBe(false)
    index.append(txn(0, 0, 10, 2))
    expect(existsSync(index.path)).toBe(true)
    expect(index.isEmpty).toBe(false)
    await index.flush()
    expect(defaultFileSystem.fileSize(index.path)).toBe(34)
  })

  test('deletes its file (testDeleteIfExists)', () => {
    // Property: deleteIfExists removes the file and tolerates a missing one.
    index.append(txn(0, 0, 10, 2))
    index.deleteIfExists()
    expect(existsSync(index.path)).toBe(false)
    expect(() => index.deleteIfExists()).not.toThrow()
  })
})
