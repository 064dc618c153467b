// Child of test/reliability/h4-simfs.test.ts for the planted-bug checks: runs the SimFS harness
// (TypeScript, through the ts hooks of `--import register-ts.mjs`) against the compiled engine in
// dist/, in a process whose environment holds SEGLOG_TEST_BUG (read once when the engine loads),
// and prints one JSON line.
//
//   node --import <register-ts.mjs> h4-child.mjs <dist index.js URL> <crashes> <seed>
//
// It runs the harness twice: with the acknowledgement check, and without it, so that only the
// crash images can catch the bug. Output:
//   {"withAckCheck":{"crashes":n,"violations":n,"kinds":[…],"first":"…"|null},"crashesOnly":{…}}
const [indexUrl, crashesText, seedText] = process.argv.slice(2)
const { Log } = await import(indexUrl)
const { runSimfsHarness } = await import('./harness.ts')

const report = {}
for (const [name, checkAckCoverage] of [
  ['withAckCheck', true],
  ['crashesOnly', false],
]) {
  const result = await runSimfsHarness({ crashes: Number(crashesText), seed: Number(seedText), checkAckCoverage, engine: Log })
  report[name] = {
    crashes: result.crashes,
    violations: result.violations.length,
    kinds: [...new Set(result.violations.map((v) => v.kind))],
    first: result.violations[0]?.message ?? null,
  }
}
process.stdout.write(`${JSON.stringify(report)}\n`)
