/**
 * A child process whose stdout is read as lines, for the crash and fault tests: workers print one
 * line per settled operation (a ledger), and the parent waits for a line, kills the child, or waits
 * for its exit — then reads every line that reached the pipe before the child died.
 *
 * stdout lines are kept in arrival order; a trailing partial line (the child died mid-write) is
 * kept apart in `partialLine`, never parsed as a ledger entry. stderr is kept whole for messages.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class LineChild {
  readonly lines: string[] = []
  partialLine = ''
  stderr = ''
  readonly exited: Promise<ChildExit>
  private readonly process: ChildProcess
  private readonly lineListeners = new Set<(line: string) => void>()
  private exit: ChildExit | null = null

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.process = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partialLine + chunk).split('\n')
      this.partialLine = parts.pop()!
      for (const line of parts) {
        this.lines.push(line)
        for (const listener of this.lineListeners) listener(line)
      }
    })
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    // 'close' (not 'exit'): every byte of stdout and stderr has been read by then.
    this.exited = new Promise((resolve, reject) => {
      this.process.on('error', reject)
      this.process.on('close', (code, signal) => resolve((this.exit = { code, signal })))
    })
  }

  get pid(): number | undefined {
    return this.process.pid
  }

  /** The first line (already seen or still to come) matching `predicate`; rejects if the child ends first. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number, what = 'the line'): Promise<string> {
    const seen = this.lines.find(predicate)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.lineListeners.delete(listener)
      }
      const listener = (line: string) => {
        if (!predicate(line)) return
        done()
        resolve(line)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`child ${this.pid} printed no ${what} within ${timeoutMs} ms; stderr: ${this.stderr}`))
      }, timeoutMs)
      this.lineListeners.add(listener)
      void this.exited.then((exit) => {
        done()
        reject(new Error(`child ${this.pid} exited (${exit.code ?? exit.signal}) before ${what}; stderr: ${this.stderr}`))
      })
    })
  }

  /** Sends `signal` (unless the child is already gone) and resolves once it has exited. */
  async kill(signal: NodeJS.Signals): Promise<ChildExit> {
    if (this.exit === null) this.process.kill(signal)
    return this.exited
  }
}

/** Runs `node args…` as a LineChild. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): LineChild {
  return new LineChild(process.execPath, args, env)
}
