/**
 * Runs asynchronous tasks one at a time, in the order they were queued: a partition's appends and
 * retention (they rewrite the same segment list), a log's topic changes, its checkpoint writes
 * (two replaces of one file must never share a tmp file). A task that fails rejects its own
 * promise only; the next task runs as if it had succeeded.
 *
 * `idle()` resolves once every task queued before the call has settled (close waits for it).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve()

  /** Queues `task` behind every task queued before it; resolves or rejects with its result. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    this.tail = result.then(
      () => {},
      () => {},
    )
    return result
  }

  /** Settles (never rejects) once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail
  }
}
