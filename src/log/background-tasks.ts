/**
 * The log's background tasks — today retention and the recovery-point checkpoint; later
 * transaction timeouts, group sessions, producer-id expiry and the cleaner — in one registry, so
 * each is started, skipped and stopped the same way:
 * - every task runs on its own period, on an unref'd timer (a log never keeps the process alive);
 * - a run is skipped while the log is closing or failed, and never overlaps the task's previous
 *   run (a slow pass is not stacked up behind itself);
 * - a failure goes to one handler (the log's fail-stop for I/O failures; there is no 'error' event);
 * - `stopAll` at close clears every timer; a run in flight finishes on its own.
 */

export interface BackgroundTask {
  /** For messages. */
  name: string
  periodMs: number
  run(): Promise<unknown>
}

export class BackgroundTasks {
  private readonly timers: NodeJS.Timeout[] = []
  private stopped = false

  /**
   * @param active whether tasks may run now (false while closing or failed).
   * @param onError what a failed run does.
   */
  constructor(
    private readonly active: () => boolean,
    private readonly onError: (err: unknown, task: BackgroundTask) => void,
  ) {}

  add(task: BackgroundTask): void {
    if (this.stopped) return
    let running = false
    const timer = setInterval(() => {
      if (running || !this.active()) return
      running = true
      task
        .run()
        .catch((err: unknown) => this.onError(err, task))
        .finally(() => {
          running = false
        })
    }, task.periodMs)
    timer.unref()
    this.timers.push(timer)
  }

  stopAll(): void {
    this.stopped = true
    for (const timer of this.timers.splice(0)) clearInterval(timer)
  }
}
