/**
 * strace as a fault injector for child processes (reliability.md H5, "Facts about this platform"): run a command
 * with a syscall failing at its N-th call, and read the trace afterwards to see exactly which calls
 * happened, in which order, on which thread.
 *
 * - Injection counts calls per thread, so children run with UV_THREADPOOL_SIZE=1: every async fs
 *   call (fdatasync included) then runs on one libuv thread and `when=N` is deterministic.
 * - The trace (`-f -o <file>`) prefixes each line with the thread id; a call interrupted by another
 *   thread's output is split into `<tid> name(args <unfinished ...>` and
 *   `<tid> <... name resumed>) = result`. A call is counted once, at its start line.
 * - Workers mark phases by writing `mark <name>` lines to stdout: with `write`/`writev` traced,
 *   the mark shows up in the trace in order with the syscalls around it.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { LineChild } from './line-child.js'

/** Why strace cannot inject faults here (missing, or ptrace not permitted), or null if it can. */
export function straceUnavailableReason(): string | null {
  const probe = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:error=EIO:when=1', 'true'], {
    encoding: 'utf8',
  })
  if (probe.error) return `strace is not available: ${probe.error.message}`
  if (probe.status !== 0) return `strace cannot trace here (exit ${probe.status ?? probe.signal}): ${probe.stderr.trim()}`
  return null
}

export interface StraceRun {
  traceFile: string
  /** Syscalls to record in the trace, e.g. ['fdatasync', 'write', 'writev']. */
  syscalls: readonly string[]
  /** strace inject expression without `inject=`, e.g. 'fdatasync:error=EIO:when=7'. */
  inject?: string
  /** Node arguments (script and its arguments). */
  nodeArgs: readonly string[]
  env?: NodeJS.ProcessEnv
}

/** Starts `node nodeArgs…` under strace with one libuv pool thread. */
export function spawnNodeUnderStrace(run: StraceRun): LineChild {
  const args = ['-f', '-qq', '-s', '128', '-o', run.traceFile, '-e', `trace=${run.syscalls.join(',')}`]
  if (run.inject !== undefined) args.push('-e', `inject=${run.inject}`)
  args.push(process.execPath, ...run.nodeArgs)
  return new LineChild('strace', args, { ...run.env, UV_THREADPOOL_SIZE: '1' })
}

export interface TraceLine {
  tid: number
  /** The syscall this line starts, or null for a `resumed` line. */
  startsCall: string | null
  text: string
}

const START = /^(\d+)\s+([a-z0-9_]+)\(/
const RESUMED = /^(\d+)\s+<\.\.\./

export function readTrace(traceFile: string): TraceLine[] {
  const lines: TraceLine[] = []
  for (const text of fs.readFileSync(traceFile, 'utf8').split('\n')) {
    const start = START.exec(text)
    if (start) lines.push({ tid: Number(start[1]), startsCall: start[2]!, text })
    else if (RESUMED.test(text)) lines.push({ tid: Number(text.split(/\s/, 1)[0]), startsCall: null, text })
  }
  return lines
}

/** Index of the trace line writing the worker's `mark <name>` to stdout; throws if absent. */
export function markIndex(trace: readonly TraceLine[], name: string): number {
  const index = trace.findIndex((line) => line.text.includes(`"mark ${name}\\n`))
  if (index < 0) throw new Error(`the trace has no \`mark ${name}\` write`)
  return index
}

/**
 * The `when=` that makes strace inject into the first `syscall` call after `mark <name>`: that
 * call's 1-based number among `syscall` calls on its own thread (strace counts per thread).
 * Throws if no such call follows the mark.
 */
export function injectWhenAfterMark(trace: readonly TraceLine[], name: string, syscall: string): number {
  const mark = markIndex(trace, name)
  const target = trace.findIndex((line, i) => i > mark && line.startsCall === syscall)
  if (target < 0) throw new Error(`no ${syscall} call after \`mark ${name}\` in the trace`)
  const tid = trace[target]!.tid
  return trace.slice(0, target + 1).filter((line) => line.tid === tid && line.startsCall === syscall).length
}

/** Number of `syscall` calls started in trace lines (from, to). */
export function countCalls(trace: readonly TraceLine[], syscall: string, from: number, to = trace.length): number {
  return trace.slice(from + 1, to).filter((line) => line.startsCall === syscall).length
}
