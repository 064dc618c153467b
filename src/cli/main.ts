#!/usr/bin/env node
/**
 * seglog's command line: `seglog demo [dir]` (what `npm start` runs) and `seglog describe <dir>`.
 * Arguments are parsed with util.parseArgs; each command lives in its own file.
 */
import { parseArgs } from 'node:util'
import { runDemo } from './demo.js'
import { runDescribe } from './describe.js'

const USAGE = `usage:
  seglog demo [--dir ./data] [--records 200000] [--record-bytes 100] [--batch 100] [--durability fsync|os]
  seglog describe --dir <log directory>`

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string' },
      records: { type: 'string' },
      'record-bytes': { type: 'string' },
      batch: { type: 'string' },
      durability: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || command === undefined) {
    console.log(USAGE)
    return
  }
  const int = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`)
    return n
  }
  switch (command) {
    case 'demo': {
      const durability = values.durability ?? 'fsync'
      if (durability !== 'fsync' && durability !== 'os') throw new Error(`--durability must be fsync or os, got ${durability}`)
      await runDemo({
        dir: values.dir ?? './data',
        records: int('records', values.records, 200_000),
        recordBytes: int('record-bytes', values['record-bytes'], 100),
        batchRecords: int('batch', values.batch, 100),
        durability,
      })
      return
    }
    case 'describe':
      if (values.dir === undefined) throw new Error('describe needs --dir')
      await runDescribe(values.dir)
      return
    default:
      throw new Error(`unknown command ${command}\n${USAGE}`)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? `seglog: ${err.message}` : err)
  process.exitCode = 1
})
