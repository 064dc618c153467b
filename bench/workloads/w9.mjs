#!/usr/bin/env node
// W9: `sendTo` a loopback TCP socket (127.0.0.1) from offset 0 to the end of W1's data
// (1,000,000 × 100 B; --quick 200,000), 1 MiB per call, native binding (sendfile) vs the pure-JS
// fallback's copy, in MB/s of bytes the receiver (a separate process, lib/tcp-sink.mjs) confirmed.
// Context baseline: the same .log files read with readSync in 1 MiB chunks and socket.write.
// Each side: a fresh connection; time from the first byte sent to the receiver's byte count.
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rawSocketCopy } from '../lib/baselines.mjs'
import { DATASET_RECORD_BYTES, prepareDataset } from '../lib/dataset.mjs'
import { FETCH_MAX_BYTES } from '../lib/replay.mjs'
import { measureOnEachBinding } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

const sinkScript = fileURLToPath(new URL('../lib/tcp-sink.mjs', import.meta.url))

/** Starts the receiver process; resolves `{ port, stop() }`. */
function startSink() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sinkScript], { stdio: ['pipe', 'pipe', 'inherit'] })
    child.stdout.setEncoding('utf8')
    child.stdout.once('data', (line) => resolve({ port: Number(line.trim()), stop: () => child.kill() }))
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`tcp-sink exited with status ${code} before listening`)))
  })
}

/**
 * Connects to the sink, runs `send(socket)` (resolves the bytes it sent), ends the socket and
 * waits for the sink's count. Resolves `{ bytes, seconds }`; throws if the counts differ.
 */
async function timedTransfer(port, send) {
  const socket = net.connect({ host: '127.0.0.1', port })
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let reply = ''
  socket.setEncoding('utf8')
  const received = new Promise((resolve, reject) => {
    socket.on('data', (text) => (reply += text))
    socket.once('end', () => resolve(Number(reply.trim())))
    socket.once('error', reject)
  })
  const start = process.hrtime.bigint()
  const bytes = await send(socket)
  socket.end()
  const confirmed = await received
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  socket.destroy()
  if (confirmed !== bytes) throw new Error(`W9: sent ${bytes} bytes but the receiver counted ${confirmed}`)
  return { bytes, seconds }
}

/** The .log files of a log directory, in offset order (Kafka file names sort by base offset). */
function segmentFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => join(dir, name))
}

await runWorkload('W9', async (ctx) => {
  const { records, logDir } = await prepareDataset(ctx, { raw: false })
  const sink = await startSink()
  try {
    let baseline = null
    if (logDir) {
      const raw = await timedTransfer(sink.port, async (socket) => (await rawSocketCopy({ paths: segmentFiles(logDir), socket })).bytes)
      baseline = { name: 'raw readSync 1 MiB + socket.write of the .log files', value: raw.bytes / 1e6 / raw.seconds }
    }
    await measureOnEachBinding(ctx, logDir, [
      {
        conditions: (label) => ({
          case: `W9/${label}`,
          name: `sendTo 127.0.0.1 socket, ${records.toLocaleString('en')} records from offset 0, ${FETCH_MAX_BYTES / 1024 / 1024} MiB per call`,
          recordBytes: DATASET_RECORD_BYTES,
          concurrency: 1,
          metric: 'MBps',
          baselineName: baseline?.name ?? null,
          baselineValue: baseline?.value ?? null,
        }),
        async measure(partition) {
          let calls = 0
          const sent = await timedTransfer(sink.port, async (socket) => {
            let bytes = 0
            for (let offset = 0; offset < records; calls++) {
              const result = await partition.sendTo(socket, { offset, maxBytes: FETCH_MAX_BYTES })
              if (result.nextOffset <= offset) throw new Error(`W9: sendTo at offset ${offset} made no progress`)
              bytes += result.bytes
              offset = result.nextOffset
            }
            return bytes
          })
          return { records, bytes: sent.bytes, seconds: sent.seconds, extra: { sendToCalls: calls } }
        },
      },
    ])
  } finally {
    sink.stop()
  }
})
