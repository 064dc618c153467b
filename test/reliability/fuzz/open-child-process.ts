/**
 * The parent's handle on open-child.mjs: sends one request line, waits for its reply line, and
 * turns the two ways a request can fail to come back into outcomes instead of exceptions — the
 * child died (a signal such as SIGSEGV/SIGBUS/SIGABRT, or an exit from an uncaught error) or it
 * hung past the time bound (it is then SIGKILLed). After either, the next request starts a fresh
 * child (`ensure`), so one bad input never hides the rest.
 *
 * One request in flight per child; replies come back in request order.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD_PATH = fileURLToPath(new URL('./open-child.mjs', import.meta.url))
/** How much of a dead child's stderr a violation quotes. */
const STDERR_TAIL_CHARS = 2000

export type ChildOutcome =
  | { kind: 'reply'; reply: unknown }
  | { kind: 'died'; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { kind: 'hung'; timeoutMs: number; stderr: string }

export class OpenChild {
  private readonly process: ChildProcess
  private stderr = ''
  private partial = ''
  private readonly lines: string[] = []
  private notify: (() => void) | null = null
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  readonly exited: Promise<void>

  constructor(indexUrl: string, env: NodeJS.ProcessEnv) {
    this.process = spawn(process.execPath, [CHILD_PATH, indexUrl], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n')
      this.partial = parts.pop()!
      this.lines.push(...parts)
      this.notify?.()
    })
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS)
    })
    // A write to a child that just died must not throw in the parent: the exit is the outcome.
    this.process.stdin!.on('error', () => {})
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.exit = { code, signal }
        this.notify?.()
        resolve()
      })
    })
  }

  get alive(): boolean {
    return this.exit === null
  }

  /** Sends `request` and waits at most `timeoutMs` for its reply. */
  async request(request: unknown, timeoutMs: number): Promise<ChildOutcome> {
    this.process.stdin!.write(JSON.stringify(request) + '\n')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const line = this.lines.shift()
      if (line !== undefined) return { kind: 'reply', reply: JSON.parse(line) }
      if (this.exit !== null) return { kind: 'died', ...this.exit, stderr: this.stderr }
      const remainingMs = deadline - Date.now()
      if (remainingMs <= 0) {
        await this.kill()
        return { kind: 'hung', timeoutMs, stderr: this.stderr }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs)
        this.notify = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.notify = null
    }
  }

  async kill(): Promise<void> {
    if (this.exit === null) this.process.kill('SIGKILL')
    await this.exited
  }

  /** Ends the child by closing its stdin (it finishes the request loop and exits). */
  async stop(): Promise<void> {
    this.process.stdin!.end()
    await this.exited
  }
}

/** One live child at a time, replaced after it dies or hangs. */
export class OpenChildPool {
  private child: OpenChild | null = null
  restarts = 0

  constructor(
    private readonly indexUrl: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async request(request: unknown, timeoutMs: number): Promise<ChildOutcome> {
    if (this.child === null || !this.child.alive) {
      if (this.child !== null) this.restarts++
      this.child = new OpenChild(this.indexUrl, this.env)
    }
    return this.child.request(request, timeoutMs)
  }

  async close(): Promise<void> {
    if (this.child !== null && this.child.alive) await this.child.stop()
    this.child = null
  }
}
