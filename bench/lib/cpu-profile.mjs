/**
 * Summaries of a V8 CPU profile (`node --cpu-prof` writes one `.cpuprofile` per process): the
 * functions with the most self time, and the inclusive time of named functions (a function's own
 * samples plus its callees', counted once per stack even when it recurses). Percentages are of all
 * samples, idle and GC included, so they add up to what the process spent (the profiler's own stop
 * request excluded).
 */
import { readFileSync } from 'node:fs'

/** `name file:line` for a profile node, the file shortened to its last two path parts. */
function frameKey({ callFrame }) {
  const file = callFrame.url.split('/').slice(-2).join('/')
  // Frames with neither name nor script are native code a JS function called (the addon's
  // crc32c, a syscall binding): the caller's own line is right above it in the inclusive list.
  if (file === '' && callFrame.functionName === '') return '(native code)'
  return `${callFrame.functionName || '(anonymous)'} ${file}${file ? `:${callFrame.lineNumber + 1}` : ''}`
}

/** `{ total, self: Map<key, µs>, inclusive: Map<key, µs> }` of the profile at `path`. */
export function summarizeCpuProfile(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  // The profiler's own stop request (bench/profile.mjs calls it through node:inspector) is not
  // the workload's time.
  const isProfilerCall = (id) => {
    for (let at = id; at !== undefined; at = parents.get(at)) if (nodes.get(at).callFrame.url === 'node:inspector') return true
    return false
  }
  const sampledUs = new Map()
  let total = 0
  profile.samples.forEach((id, i) => {
    if (isProfilerCall(id)) return
    const us = profile.timeDeltas[i] ?? 0
    sampledUs.set(id, (sampledUs.get(id) ?? 0) + us)
    total += us
  })
  const self = new Map()
  const inclusive = new Map()
  for (const [id, us] of sampledUs) {
    const key = frameKey(nodes.get(id))
    self.set(key, (self.get(key) ?? 0) + us)
    const seen = new Set()
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const stackKey = frameKey(nodes.get(at))
      if (seen.has(stackKey)) continue
      seen.add(stackKey)
      inclusive.set(stackKey, (inclusive.get(stackKey) ?? 0) + us)
    }
  }
  return { total, self, inclusive }
}

/** Lines `  12.3%  name file:line` for the `count` largest entries of `times`. */
export function topLines(times, total, count) {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${((us / total) * 100).toFixed(1).padStart(6)}%  ${key}`)
}
