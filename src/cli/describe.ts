/** `seglog describe --dir D`: opens a log and prints its topics and partition offsets. */
import { Log } from '../log.js'

export async function runDescribe(dir: string): Promise<void> {
  const log = await Log.open(dir)
  try {
    console.log(`${dir}: ${log.recovery.cleanShutdown ? 'clean shutdown' : 'recovered after an unclean shutdown'} (open took ${log.recovery.durationMs.toFixed(1)} ms)`)
    for (const topic of log.topics()) {
      const { config, partitions } = log.describeTopic(topic)
      console.log(`topic ${topic}: durability ${config.durability}, segmentBytes ${config.segmentBytes}`)
      for (const p of partitions) {
        console.log(
          `  partition ${p.partition}: logStart ${p.logStartOffset}, HW ${p.highWatermark}, LEO ${p.logEndOffset}, ${p.segments} segment(s), ${p.sizeBytes} bytes`,
        )
      }
    }
  } finally {
    await log.close()
  }
}
