/**
 * One bench child process at a time (bench/run.mjs: a workload; bench/peers/run.mjs: a peer), each
 * in its own process group with a time limit, so a timeout or Ctrl-C kills its grandchildren too
 * (W8's killed writers, a peer's helper processes).
 */
import { spawn } from 'node:child_process'

let running = null // the child being run

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** Kills the running child's whole group, if one runs (signal handlers call it). */
export function killRunningChild() {
  if (running) killGroup(running)
}

/**
 * Runs `node <args>` with `env`, stderr inherited and stdout captured (`captureStdout`) or
 * inherited; resolves `{ seconds, reason, stdout }`, `reason` null on exit status 0, else why not
 * (a timeout after `timeoutMs`, a signal, an exit status).
 */
export function runChild(args, { timeoutMs, env, captureStdout = false }) {
  const start = process.hrtime.bigint()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', captureStdout ? 'pipe' : 'inherit', 'inherit'],
      env,
      detached: true,
    })
    running = child
    let stdout = ''
    if (captureStdout) {
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (text) => (stdout += text))
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child)
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      running = null
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      const reason = timedOut ? `timed out after ${timeoutMs / 1000} s` : code === 0 ? null : signal ? `killed by ${signal}` : `exit status ${code}`
      resolve({ seconds, reason, stdout })
    })
  })
}
