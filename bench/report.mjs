#!/usr/bin/env node
/**
 * Renders benchmark results as BENCHMARKS.md (repository root) and bench/results/chart.svg.
 *
 *   node bench/report.mjs [RESULTS.ndjson]
 *
 * Without an argument: the newest full run in bench/results, else the newest quick run
 * (results.mjs latestResultsPath). The Markdown holds the machine, one table row per case
 * (workload case, what, conditions, seglog, baseline, ratio, target, met?), the chart, each case's
 * extra numbers, and how to reproduce. Both files are generated: edit this script, not them.
 * Peers: a case line may carry `peers: [{ name, value }]` (same metric); they get a column and bars.
 * The newest bench/results/peers-<run>.ndjson of the same kind (full or --quick) as the seglog
 * results (`npm run bench:peers`, bench/peers/run.mjs) is merged into the cases that way, with a
 * line comparing W1 with the best of lmdb, better-sqlite3 and classic-level (target ≥ 3×).
 */
import { readdirSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WORKLOADS } from './lib/catalog.mjs'
import { latestResultsPath, readResults, RESULTS_DIR } from './lib/results.mjs'
import { renderBarChart } from './lib/svg-chart.mjs'
import { describeConditions, formatExtra, formatMet } from './lib/table.mjs'
import { formatRatio, formatValue, metricInfo } from './lib/units.mjs'

const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const markdownPath = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
const chartPath = `${RESULTS_DIR}chart.svg`

function describeMachineForReport(m) {
  const memoryGiB = (m.memoryBytes / 2 ** 30).toFixed(1)
  const binding = m.nativeLoadError ? `${m.binding} (${m.nativeLoadError})` : m.binding
  return `${m.cpuModel}, ${m.cores} cores, ${memoryGiB} GiB RAM, ${m.platform}, Node ${m.node}, binding ${binding}; data on ${m.fsType} under ${m.benchDir}`
}

/** "W1 0.4, W2 0.5, …": one value per workload (every case of a workload shares its process). */
function loadAverages(cases) {
  const byWorkload = new Map(cases.map((c) => [c.workload, c.machine.loadAverage1m]))
  return [...byWorkload].map(([workload, load]) => `${workload} ${load?.toFixed(1) ?? '?'}`).join(', ')
}

function escapeCell(text) {
  return String(text).replace(/\|/g, '\\|')
}

/** The issue's W1 peer target: seglog's W1 records/s ≥ this × the best of these peers'. */
const W1_PEER_TARGET = { ratioMin: 3, peers: ['lmdb', 'better-sqlite3', 'classic-level'] }

/** The newest peers-*.ndjson of the same kind (full or quick) as `sourcePath`, or null. */
function latestPeersPath(sourcePath) {
  const quick = basename(sourcePath).includes('-quick')
  const names = readdirSync(RESULTS_DIR)
    .filter((name) => /^peers-\d{8}T\d{6}Z(-quick)?\.ndjson$/.test(name) && name.includes('-quick') === quick)
    .sort()
  return names.length ? join(RESULTS_DIR, names.at(-1)) : null
}

/** Adds each peer line's value to the case it names (`caseId`) as `peers`; returns the peer lines. */
function mergePeers(cases, peersPath) {
  if (!peersPath) return []
  const lines = readResults(peersPath)
  for (const c of cases) {
    const peers = lines.filter((line) => !line.skipped && line.caseId === c.case && line.metric === c.metric)
    if (peers.length) c.peers = [...(c.peers ?? []), ...peers.map((line) => ({ name: line.peer, value: line.value }))]
  }
  return lines
}

/** The W1 line against W1_PEER_TARGET, or [] when W1 or every named peer is missing. */
function w1PeerLines(cases) {
  const w1 = cases.find((c) => c.case === 'W1')
  const candidates = (w1?.peers ?? []).filter((peer) => W1_PEER_TARGET.peers.includes(peer.name) && peer.value)
  if (!w1 || w1.value === null || candidates.length === 0) return []
  const best = candidates.reduce((a, b) => (b.value > a.value ? b : a))
  const ratio = w1.value / best.value
  return [
    '',
    `W1 vs peers: seglog ${formatValue(w1.value, w1.metric)} ÷ best of ${W1_PEER_TARGET.peers.join(', ')} (${best.name}, ${formatValue(best.value, w1.metric)}) = ${formatRatio(ratio)};` +
      ` target ≥ ${W1_PEER_TARGET.ratioMin}× the best of them: ${formatMet(ratio >= W1_PEER_TARGET.ratioMin)}.`,
  ]
}

/** The "Peers" section: where the numbers come from, each peer's settings, skipped peers. */
function peerSection(peerLines, peersPath) {
  if (peerLines.length === 0) return []
  const byPeer = new Map()
  for (const line of peerLines) if (!byPeer.has(line.peer)) byPeer.set(line.peer, line)
  const settings = (peer, durability) => peerLines.find((line) => line.peer === peer && line.conditions?.durability === durability && line.workload !== 'W5' && line.workload !== 'W6')?.conditions.setting
  const readSetting = (peer) => peerLines.find((line) => line.peer === peer && line.workload === 'W6')?.conditions.setting
  return [
    '## Peers',
    '',
    `From \`${relative(repoRoot, peersPath)}\` (\`npm run bench:peers\`: bench/peers/run.mjs, one child process per peer, run after the seglog`,
    "workloads on the same machine; peers are installed in bench/peers, never dependencies of seglog). Same record values, sizes,",
    "batches of 100, rounds and read offsets as seglog's workloads; each number sits in the row of the seglog case it is",
    'compared with (W5 → read-native, W6 → native). The closest equivalent of each durability mode per peer:',
    '',
    ...[...byPeer.values()].map((line) =>
      line.skipped
        ? `- **${line.peer}**: skipped — ${line.skipped}`
        : `- **${line.peer}@${line.version}**: 'os' (W1, W2): ${settings(line.peer, 'os')}; 'fsync' (W3/c1): ${settings(line.peer, 'fsync')}; reads (W5, W6): ${readSetting(line.peer)}.`,
    ),
    '',
  ]
}

function peerNames(cases) {
  return [...new Set(cases.flatMap((c) => (c.peers ?? []).map((peer) => peer.name)))]
}

function tableRows(cases, peers) {
  const header = ['workload', 'what', 'conditions', 'seglog', 'baseline', ...peers, 'ratio', 'target', 'met?']
  const rows = cases.map((c) => [
    c.case,
    c.name,
    describeConditions(c),
    c.skipped ? `skipped: ${c.skipped}` : formatValue(c.value, c.metric),
    c.baselineName ? `${formatValue(c.baselineValue, c.metric)} (${c.baselineName})` : '—',
    ...peers.map((name) => formatValue(c.peers?.find((peer) => peer.name === name)?.value ?? null, c.metric)),
    formatRatio(c.ratio),
    c.target ?? '—',
    formatMet(c.met) || '—',
  ])
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(escapeCell).join(' | ')} |`)
}

function chartFor(cases, source) {
  const groups = cases
    .filter((c) => metricInfo(c.metric).higherIsBetter)
    .map((c) => ({
      label: `${c.case} (${c.binding})`,
      unit: metricInfo(c.metric).unit,
      scaleKey: `${c.workload} ${c.metric}`,
      bars: [
        { series: 'seglog', value: c.value },
        ...(c.baselineName ? [{ series: 'baseline', value: c.baselineValue }] : []),
        ...(c.peers ?? []).map((peer) => ({ series: peer.name, value: peer.value })),
      ],
    }))
  return renderBarChart({
    title: 'seglog throughput per case, next to its same-run baseline',
    subtitle: `${source}: one scale per workload (units differ); open times (W8) are in BENCHMARKS.md`,
    groups,
  })
}

function markdown(cases, { sourcePath, chartRelative, peerLines, peersPath }) {
  const first = cases[0]
  const quick = cases.some((c) => c.quick)
  const peers = peerNames(cases)
  const counted = cases.filter((c) => c.met !== null)
  const metCount = counted.filter((c) => c.met).length
  const lines = [
    '# seglog benchmarks',
    '',
    `Generated by \`node bench/report.mjs\` from \`${sourcePath}\` (run \`${first.run}\`, ${first.at.slice(0, 10)}). Do not edit: rerun`,
    '`npx tsc -p tsconfig.build.json && node bench/run.mjs && node bench/report.mjs`.',
    '',
    `Machine: ${describeMachineForReport(first.machine)}.`,
    ...(cases.some((c) => typeof c.machine.loadAverage1m === 'number')
      ? [`Load average (1 min) when each workload started: ${loadAverages(cases)}${cases.some((c) => c.machine.loadAverage1m > c.machine.cores) ? ` — above the ${first.machine.cores} cores: other processes competed for CPU and disk, so expect noise` : ''}.`]
      : []),
    ...(quick ? ['', '**Smoke run (`--quick`)**: smaller datasets and shorter durations than the targets are stated for.'] : []),
    '',
    'Each baseline is measured in the same process and run as the seglog side it is compared with (right',
    'before it, or alternating with it in rounds), with the same record sizes, batching and values',
    '(bench/lib/baselines.mjs); medians where a workload repeats a measurement (said under `what`). `ratio` is',
    'seglog ÷ baseline (for times, baseline ÷ seglog): above 1 means seglog did better than the raw baseline.',
    `Targets met: ${metCount} of ${counted.length} checked.`,
    ...w1PeerLines(cases),
    '',
    ...tableRows(cases, peers),
    '',
    `![seglog vs baseline per case](${chartRelative})`,
    '',
    ...peerSection(peerLines, peersPath),
    '## Workloads',
    '',
    ...WORKLOADS.map((w) => `- **${w.id}** ${w.title}`),
    '',
    '## Extra numbers per case',
    '',
    ...cases.filter((c) => formatExtra(c.extra)).map((c) => `- ${c.case}: ${formatExtra(c.extra)}`),
    '',
    '## Reproduce',
    '',
    '```sh',
    'npx tsc -p tsconfig.build.json   # the workloads load dist/',
    'node bench/run.mjs               # every workload, each in its own process (--quick, --only W1,W5)',
    'node bench/report.mjs            # this file and bench/results/chart.svg from the newest results',
    '```',
    '',
  ]
  return lines.join('\n')
}

const sourcePath = process.argv[2] ?? latestResultsPath()
if (!sourcePath) {
  console.error(`No results in ${RESULTS_DIR}: run node bench/run.mjs first`)
  process.exit(1)
}
const cases = readResults(sourcePath)
if (cases.length === 0) {
  console.error(`${sourcePath} holds no cases`)
  process.exit(1)
}
const sourceRelative = relative(repoRoot, sourcePath)
const peersPath = latestPeersPath(sourcePath)
const peerLines = mergePeers(cases, peersPath)
writeFileSync(chartPath, chartFor(cases, basename(sourcePath)))
writeFileSync(markdownPath, markdown(cases, { sourcePath: sourceRelative, chartRelative: relative(repoRoot, chartPath), peerLines, peersPath }))
console.log(`wrote ${relative(repoRoot, markdownPath)} and ${relative(repoRoot, chartPath)} from ${sourceRelative} (${cases.length} cases)${peersPath ? ` with peers from ${relative(repoRoot, peersPath)}` : ''}`)
