/**
 * `bench/producers.mjs --profile DURABILITY:CONCURRENCY`: CPU profiles (`node --cpu-prof`) of
 * idempotent and of plain appends under the same conditions (producers-profile.mjs, each in its
 * own process), and what the idempotent side spends more on. Self time is turned into ns per
 * record appended (the two sides append different numbers of records in the same time), so the
 * difference of a function between the two profiles is its cost per record of idempotence.
 * The raw profiles stay in bench/results/profiles/ for DevTools or speedscope.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarizeCpuProfile } from './cpu-profile.mjs'
import { makeTempDir } from './temp-dir.mjs'
import { chooseBenchRoot } from './machine.mjs'

const PROFILES_DIR = fileURLToPath(new URL('../results/profiles/', import.meta.url))
const childScript = fileURLToPath(new URL('./producers-profile.mjs', import.meta.url))
/** 10× V8's default sampling rate: a 5% difference over a few seconds is then thousands of samples. */
const SAMPLE_INTERVAL_US = 100

function profileSide(side, { durability, concurrency, durationMs, stamp }) {
  const profileDir = makeTempDir(chooseBenchRoot().path, `w11-cpuprof-${side}`)
  return new Promise((resolve, reject) => {
    const args = ['--cpu-prof', '--cpu-prof-interval', String(SAMPLE_INTERVAL_US), '--cpu-prof-dir', profileDir, childScript, side, durability, String(concurrency), String(durationMs)]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text) => (stdout += text))
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`producers-profile ${side} exited with ${code}`))
      const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'))
      mkdirSync(PROFILES_DIR, { recursive: true })
      const kept = join(PROFILES_DIR, `W11-${side}-${durability}-c${concurrency}-${stamp}.cpuprofile`)
      renameSync(join(profileDir, file), kept)
      rmSync(profileDir, { recursive: true, force: true })
      resolve({ ...JSON.parse(stdout.trim().split('\n').at(-1)), path: kept, ...summarizeCpuProfile(kept) })
    })
  })
}

const nsPerRecord = (us, records) => (us * 1000) / records

/**
 * Frames of the idempotent path alone: src/producer/ (the producer state's stage, check, commit,
 * validation, entries) and batch-writer.ts's producer steps. A sample counts once however many of
 * them its stack holds.
 */
const PRODUCER_FRAME = ({ url, functionName }) =>
  url.includes('/producer/') || ['stageProducerBatch', 'firstProducerSnapshot', 'originalAppendTime'].includes(functionName)

/**
 * `{ producerUs, gcUs, busyUs }` of a profile: time whose stack holds a PRODUCER_FRAME, time in
 * the garbage collector, and every sample that is not idle. Shares within one process are what a
 * shared machine distorts least: a neighbour stealing the CPU slows every function of the process
 * alike, which makes ns-per-record comparisons across two processes unreliable.
 */
function producerShare(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const inProducer = new Map()
  const holdsProducerFrame = (id) => {
    if (!inProducer.has(id)) {
      const parent = parents.get(id)
      inProducer.set(id, PRODUCER_FRAME(nodes.get(id).callFrame) || (parent !== undefined && holdsProducerFrame(parent)))
    }
    return inProducer.get(id)
  }
  const share = { producerUs: 0, gcUs: 0, busyUs: 0 }
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const name = nodes.get(id).callFrame.functionName
    if (name === '(idle)') return
    share.busyUs += us
    if (name === '(garbage collector)') share.gcUs += us
    if (holdsProducerFrame(id)) share.producerUs += us
  })
  return share
}

/** Runs both profiles and returns printable lines. `spec` is "os:64" (durability:concurrency). */
export async function profileIdempotence(spec, { durationMs, top }) {
  const [durability, concurrencyText] = spec.split(':')
  const concurrency = Number(concurrencyText)
  if (!['os', 'fsync'].includes(durability) || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`--profile wants DURABILITY:CONCURRENCY, e.g. os:64 or fsync:1; got ${spec}`)
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const conditions = { durability, concurrency, durationMs, stamp }
  const plain = await profileSide('plain', conditions)
  const idempotent = await profileSide('idempotent', conditions)
  const lines = [`CPU profiles (node --cpu-prof), durability ${durability}, record 100 B, batch 100, concurrency ${concurrency}, ${durationMs / 1000} s each:`]
  for (const [label, p] of [['plain', plain], ['idempotent', idempotent]]) {
    lines.push(`  ${label}: ${Math.round(p.records / p.seconds).toLocaleString('en')} rec/s, ${p.path}`)
  }
  lines.push(`  idempotent, top ${top} by self time (ns per record appended; % of the profile):`)
  for (const [key, us] of [...idempotent.self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`    ${nsPerRecord(us, idempotent.records).toFixed(1).padStart(8)} ns  ${((us / idempotent.total) * 100).toFixed(1).padStart(5)}%  ${key}`)
  }
  const keys = new Set([...idempotent.self.keys(), ...plain.self.keys()])
  const deltas = [...keys]
    .map((key) => [key, nsPerRecord(idempotent.self.get(key) ?? 0, idempotent.records) - nsPerRecord(plain.self.get(key) ?? 0, plain.records)])
    .sort((a, b) => b[1] - a[1])
  const perRecord = (p) => nsPerRecord(p.total, p.records)
  lines.push(`  total sampled time per record: idempotent ${perRecord(idempotent).toFixed(1)} ns, plain ${perRecord(plain).toFixed(1)} ns`)
  const shares = { idempotent: producerShare(idempotent.path), plain: producerShare(plain.path) }
  const pct = (part, whole) => `${((part / whole) * 100).toFixed(1)}%`
  lines.push(`  share of busy (non-idle) samples: idempotent path (src/producer/*, batch-writer stageProducerBatch…) ${pct(shares.idempotent.producerUs, shares.idempotent.busyUs)}; garbage collector idempotent ${pct(shares.idempotent.gcUs, shares.idempotent.busyUs)}, plain ${pct(shares.plain.gcUs, shares.plain.busyUs)}`)
  lines.push(`  largest self-time increases, idempotent − plain (ns per record):`)
  for (const [key, delta] of deltas.slice(0, top)) lines.push(`    ${delta.toFixed(1).padStart(8)} ns  ${key}`)
  return lines
}
