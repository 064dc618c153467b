/**
 * The workloads, in run order, with one line each on what they measure and what they are compared
 * with: the runner runs this list, the report prints it. The full conditions are in each
 * workload file's header and in every result line.
 */
export const WORKLOADS = [
  { id: 'W1', title: "append 1,000,000 × 100 B, batches of 100, durability 'os', acks 1, one final flush; vs raw fs.writeSync of the same batches" },
  { id: 'W2', title: "append 200,000 × 1 KiB, batches of 100, durability 'os', acks 1, one final flush; vs raw fs.writeSync of the same batches" },
  { id: 'W3', title: "durable append (durability 'fsync', acks 'all'), 100 B, batches of 100, 1 / 8 / 64 concurrent appenders; vs raw write + fdatasync per batch" },
  { id: 'W4', title: "durable single-record appends, 1 / 64 / 1,024 concurrent appenders (group commit); vs the disk's fdatasync rate; fsyncs/s from log.metrics()" },
  { id: 'W5', title: 'replay all of W1 from offset 0 (warm cache), every record checked, read() and stream(), native (mmap) vs fallback; vs raw sequential read' },
  { id: 'W6', title: "100,000 random point reads by offset on W1's data, read({ offset, maxRecords: 1 }); raw pread at a computed position for context" },
  { id: 'W7', title: "seek by timestamp: 10,000 random offsetForTimestamp lookups on W1's data, every answer checked" },
  { id: 'W8', title: 'Log.open of a 1 GiB partition in a fresh process, after a clean close and after kill -9' },
  { id: 'W9', title: "sendTo a 127.0.0.1 TCP socket, native sendfile vs fallback copy; raw readSync + socket.write for context" },
  { id: 'W10', title: "memory: RSS growth of a fresh process appending 10 GiB of 1 KiB records, batches of 100, durability 'os', acks 1, ≤ 8 in flight, one final flush (128 MiB segments); vs a raw fs.writeSync loop of the same batches" },
  { id: 'W11', title: "idempotent producers: p.append with producer ids vs plain (100 B, batches of 100, 1 / 64 producers, 'os' and 'fsync'); producer.send lingerMs 0 vs 5 with 1,000 sends outstanding vs raw 1-record appends; Log.open of a 10,000-producer partition after clean close / kill -9 vs the same partition without producer ids" },
]

export const WORKLOAD_IDS = WORKLOADS.map((workload) => workload.id)
