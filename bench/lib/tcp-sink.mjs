#!/usr/bin/env node
/**
 * The receiving end of one W9 transfer, in its own process so that receiving never competes with
 * the sender for the sender's event loop (as a consumer on another process would not).
 *
 *   node tcp-sink.mjs PORT
 *
 * Connects to 127.0.0.1:PORT, counts and discards every byte it receives, and when the sender ends
 * its side, writes the count back as one decimal line and exits. Reads go into one reused 1 MiB
 * buffer (`onread`), which receives twice as fast as 'data' events that allocate per chunk
 * (about 2.8 vs 1.4 GB/s on the 2-core dev machine), so the receiver is not what W9 measures.
 */
import net from 'node:net'

/** Receive buffer: one loopback read rarely returns more. */
const RECEIVE_BUFFER_BYTES = 1024 * 1024

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`tcp-sink: PORT must be a TCP port, got ${process.argv[2]}`)
let bytes = 0
const socket = net.connect({
  host: '127.0.0.1',
  port,
  onread: { buffer: Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES), callback: (length) => void (bytes += length) },
})
socket.on('end', () => socket.end(`${bytes}\n`))
