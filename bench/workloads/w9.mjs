#!/usr/bin/env node
// W9: `sendTo` a loopback TCP socket (127.0.0.1) from offset 0 to the end of W1's data
// (1,000,000 × 100 B; --quick 200,000), repeated to ~512 MiB (--quick 128 MiB), 1 MiB per call,
// native binding (sendfile) vs the pure-JS fallback's copy, in MB/s of bytes the receiver (a separate
// process, lib/tcp-sink.mjs) confirmed. Context baseline: the same .log files read with readSync
// in 1 MiB chunks and socket.write. Each side: a fresh connection; time from the first byte sent to
// the receiver's byte count.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rawSocketCopy } from '../lib/baselines.mjs'
import { DATASET_RECORD_BYTES, prepareDataset } from '../lib/dataset.mjs'
import { FETCH_MAX_BYTES } from '../lib/replay.mjs'
import { measureOnEachBinding } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

const sinkScript = fileURLToPath(new URL('../lib/tcp-sink.mjs', import.meta.url))

/** Bytes each side sends (the dataset, repeated): enough that connection set-up is noise. */
const TRANSFER_BYTES_FULL = 512 * 1024 * 1024
const TRANSFER_BYTES_QUICK = 128 * 1024 * 1024

/** A server on 127.0.0.1 for the receivers to connect to: `{ server, port }`. */
async function listenLoopback() {
  const server = net.createServer()
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  return { server, port: server.address().port }
}

/**
 * Starts a receiver process (lib/tcp-sink.mjs) that connects to `server`, then times `send(socket)`
 * on the accepted socket (resolves the bytes it sent) until the receiver has confirmed the count
 * after the socket ends. Connection set-up is not timed. Resolves `{ bytes, seconds }`; throws if
 * the receiver counted a different number of bytes.
 */
async function timedTransfer({ server, port }, send) {
  const accepted = new Promise((resolve) => server.once('connection', resolve))
  const sink = spawn(process.execPath, [sinkScript, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] })
  const sinkExited = new Promise((resolve) => sink.once('exit', resolve))
  try {
    const socket = await accepted
    let reply = ''
    socket.setEncoding('utf8')
    const confirmed = new Promise((resolve, reject) => {
      socket.on('data', (text) => (reply += text))
      socket.once('end', () => resolve(Number(reply.trim())))
      socket.once('error', reject)
    })
    const start = process.hrtime.bigint()
    const bytes = await send(socket)
    socket.end()
    const received = await confirmed
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    socket.destroy()
    if (received !== bytes) throw new Error(`W9: sent ${bytes} bytes but the receiver counted ${received}`)
    return { bytes, seconds }
  } finally {
    sink.kill()
    await sinkExited
  }
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
  const listener = await listenLoopback()
  try {
    let baseline = null
    let passes = 1
    if (logDir) {
      const files = segmentFiles(logDir)
      const datasetBytes = files.reduce((sum, path) => sum + statSync(path).size, 0)
      passes = Math.ceil(ctx.scale(TRANSFER_BYTES_FULL, TRANSFER_BYTES_QUICK) / datasetBytes)
      const raw = await timedTransfer(listener, async (socket) => (await rawSocketCopy({ paths: Array(passes).fill(files).flat(), socket })).bytes)
      baseline = { name: 'raw readSync 1 MiB + socket.write of the .log files', value: raw.bytes / 1e6 / raw.seconds }
    }
    await measureOnEachBinding(ctx, logDir, [
      {
        conditions: (label) => ({
          case: `W9/${label}`,
          name: `sendTo a 127.0.0.1 socket, ${records.toLocaleString('en')} records from offset 0 ${passes} times, ${FETCH_MAX_BYTES / 1024 / 1024} MiB per call`,
          recordBytes: DATASET_RECORD_BYTES,
          concurrency: 1,
          metric: 'MBps',
          baselineName: baseline?.name ?? null,
          baselineValue: baseline?.value ?? null,
        }),
        async measure(partition) {
          let calls = 0
          const sent = await timedTransfer(listener, async (socket) => {
            let bytes = 0
            for (let pass = 0; pass < passes; pass++) {
              for (let offset = 0; offset < records; calls++) {
                const result = await partition.sendTo(socket, { offset, maxBytes: FETCH_MAX_BYTES })
                if (result.nextOffset <= offset) throw new Error(`W9: sendTo at offset ${offset} made no progress`)
                bytes += result.bytes
                offset = result.nextOffset
              }
            }
            return bytes
          })
          return { records: records * passes, bytes: sent.bytes, seconds: sent.seconds, extra: { sendToCalls: calls } }
        },
      },
    ])
  } finally {
    listener.server.close()
  }
})
