/**
 * Group commit for one partition: at most one flush (fdatasync of the dirty segment files, plus a
 * directory fsync after a roll) in flight; every write that lands while it runs waits for the next
 * one, so N concurrent appenders share one fsync (design.md write path §4).
 *
 * Offsets, not bytes: `writtenEnd` is the log end offset after the last write handed to the OS;
 * `durableEnd` is the end of the prefix a completed flush covers. A flush started when
 * writtenEnd = X makes everything below X durable — the flush function captures the files to sync
 * at its start, synchronously, before any later write.
 *
 * Fail-stop (reliability.md contract 7): a flush that fails puts this object in the failed state
 * for good. Every pending and later waiter rejects with that error; the flush is never retried,
 * because Linux may report the next fsync as OK after it has dropped the dirty pages.
 *
 * Concurrency: single-threaded (event loop). `flush` runs on the libuv pool.
 */

export interface GroupCommitObserver {
  /** Called after each successful flush with its duration and the offsets it made durable. */
  onFlushed?(durationMs: number, offsetsCovered: number): void
}

interface Waiter {
  endOffset: number
  resolve: () => void
  reject: (err: Error) => void
}

export class GroupCommit {
  private writtenEnd: number
  private durable: number
  private inFlight = false
  private failure: Error | null = null
  private readonly waiters: Waiter[] = []
  private waiterHead = 0

  /**
   * @param flush makes everything written so far durable. It must capture, synchronously before its
   *   first await, which files hold unsynced bytes — writes that happen after it starts are not
   *   covered.
   * @param onDurable called with the new durable end after each successful flush, before waiters resolve.
   */
  constructor(
    startOffset: number,
    private readonly flush: () => Promise<void>,
    private readonly onDurable: (durableEnd: number) => void,
    private readonly observer: GroupCommitObserver = {},
  ) {
    this.writtenEnd = startOffset
    this.durable = startOffset
  }

  get durableEnd(): number {
    return this.durable
  }

  get failed(): Error | null {
    return this.failure
  }

  /** Records that everything below `endOffset` has been written to the OS. */
  noteWritten(endOffset: number): void {
    if (endOffset > this.writtenEnd) this.writtenEnd = endOffset
  }

  /**
   * Resolves once everything below `endOffset` is durable (starting a flush if none is running);
   * rejects with the flush error if the log has failed.
   */
  waitDurable(endOffset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (endOffset <= this.durable) return Promise.resolve()
    return new Promise<void>((resolve, reject) => this.whenDurable(endOffset, resolve, reject))
  }

  /**
   * `waitDurable` as callbacks, for the append path: one durable append costs a waiter entry
   * instead of two promises and their microtask hops (bench W4: 64 appenders share each fdatasync,
   * and the CPU spent between two fdatasyncs delays the next one). Either callback may run before
   * this returns (already durable, or failed).
   */
  whenDurable(endOffset: number, resolve: () => void, reject: (err: Error) => void): void {
    if (this.failure) reject(this.failure)
    else if (endOffset <= this.durable) resolve()
    else {
      this.waiters.push({ endOffset, resolve, reject })
      this.kick()
    }
  }

  /** A flush of everything written so far, whether or not anyone waits (`flush()`, `flushMs`). */
  flushNow(): Promise<void> {
    return this.waitDurable(this.writtenEnd)
  }

  /** Fails every pending waiter and refuses later ones (used by close and by other fail-stop paths). */
  fail(err: Error): void {
    if (!this.failure) this.failure = err
    const pending = this.waiters.splice(this.waiterHead)
    this.waiters.length = 0
    this.waiterHead = 0
    for (const waiter of pending) waiter.reject(this.failure)
  }

  private kick(): void {
    if (this.inFlight || this.failure || this.durable >= this.writtenEnd) return
    this.inFlight = true
    const target = this.writtenEnd
    const startedMs = performance.now()
    let flushing: Promise<void>
    try {
      flushing = this.flush()
    } catch (err) {
      flushing = Promise.reject(err)
    }
    flushing.then(
      () => {
        this.inFlight = false
        if (this.failure) return
        const covered = target - this.durable
        this.durable = target
        this.observer.onFlushed?.(performance.now() - startedMs, covered)
        this.onDurable(target)
        this.resolveUpTo(target)
        if (this.waiterHead < this.waiters.length) this.kick()
      },
      (err: unknown) => {
        this.inFlight = false
        this.fail(err instanceof Error ? err : new Error(String(err)))
      },
    )
  }

  private resolveUpTo(durableEnd: number): void {
    const waiters = this.waiters
    while (this.waiterHead < waiters.length && waiters[this.waiterHead]!.endOffset <= durableEnd) {
      waiters[this.waiterHead++]!.resolve()
    }
    // Compact the queue once its consumed head dominates, so it never grows without bound.
    if (this.waiterHead > 1024 && this.waiterHead * 2 > waiters.length) {
      waiters.splice(0, this.waiterHead)
      this.waiterHead = 0
    } else if (this.waiterHead === waiters.length) {
      waiters.length = 0
      this.waiterHead = 0
    }
  }
}
