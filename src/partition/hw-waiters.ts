/**
 * Long-poll and follower wake-ups for one partition: readers waiting for the high watermark to
 * move (api.md "Reading": `maxWaitMs`, `follow: true`). A waiter resolves `true` when woken by
 * an HW advance, `false` when its time runs out; it rejects with `AbortError` on its signal and
 * with `LOG_CLOSED` when the log closes. Bounded: at most `LONG_POLL_WAITERS_MAX` waiters per
 * partition (limits.ts) — beyond that a read is refused rather than queued without bound.
 */
import { outOfRange } from '../errors.js'
import { LONG_POLL_WAITERS_MAX } from '../limits.js'

interface Waiter {
  resolve: (woken: boolean) => void
  reject: (err: Error) => void
  cleanup: () => void
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  const err = new Error('The operation was aborted', { cause: reason }) as Error & { code: string }
  err.name = 'AbortError'
  err.code = 'ABORT_ERR'
  return err
}

export class HighWatermarkWaiters {
  private readonly waiters = new Set<Waiter>()
  private closedError: Error | null = null

  get size(): number {
    return this.waiters.size
  }

  /** Waits for the next `wakeAll`, at most `timeoutMs`. */
  wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.closedError) return Promise.reject(this.closedError)
    if (signal?.aborted) return Promise.reject(abortError(signal))
    if (this.waiters.size >= LONG_POLL_WAITERS_MAX) {
      return Promise.reject(outOfRange('pending long-polls on one partition', `at most ${LONG_POLL_WAITERS_MAX}`, this.waiters.size + 1))
    }
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null
      const onAbort = (): void => {
        waiter.cleanup()
        reject(abortError(signal!))
      }
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          this.waiters.delete(waiter)
          if (timer !== null) clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        },
      }
      this.waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
      timer = setTimeout(() => {
        waiter.cleanup()
        resolve(false)
      }, Math.max(0, Math.min(timeoutMs, 0x7fffffff)))
    })
  }

  wakeAll(): void {
    if (this.waiters.size === 0) return
    for (const waiter of [...this.waiters]) {
      waiter.cleanup()
      waiter.resolve(true)
    }
  }

  /** Rejects every waiter and every later wait with `err` (log closed). */
  close(err: Error): void {
    this.closedError = err
    for (const waiter of [...this.waiters]) {
      waiter.cleanup()
      waiter.reject(err)
    }
  }
}
