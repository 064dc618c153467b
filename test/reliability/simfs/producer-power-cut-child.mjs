// Child of test/reliability/h4-producer-dedupe.test.ts for the planted-bug check: runs the producer
// power-cut harness (TypeScript, through `--import register-ts.mjs`) against the compiled engine in
// dist/, in a process whose environment may hold SEGLOG_TEST_BUG (read once when the engine loads),
// and prints one JSON line: {"boots":n,"violations":[…],…}.
//
//   node --import <register-ts.mjs> producer-power-cut-child.mjs <dist index.js URL> <boots> <seed> <durability>
const [indexUrl, bootsText, seedText, durability] = process.argv.slice(2)
const { Log } = await import(indexUrl)
const { runProducerPowerCuts } = await import('./producer-power-cut.ts')
const result = await runProducerPowerCuts({ boots: Number(bootsText), seed: Number(seedText), durability, engine: Log })
process.stdout.write(`${JSON.stringify(result)}\n`)
