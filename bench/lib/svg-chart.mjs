/**
 * A horizontal grouped bar chart as a standalone SVG string, written by hand (no dependency).
 *
 * Input: `{ title, subtitle, groups: [{ label, unit, scaleKey?, bars: [{ series, value }] }] }`.
 * One group per benchmark case; one bar per series (seglog, baseline, and peers when present).
 * Cases have different units (records/s, MB/s, reads/s), so bars share a scale only within groups
 * of the same `scaleKey` (default: the group's label), e.g. one workload's cases, and every bar is
 * labelled with its value: compare bar lengths within a scale, read numbers across scales.
 * A bar with no value (skipped case) is drawn as a "—" label with no bar.
 *
 * Colours are fixed per series name so seglog is always the same blue in every chart; peers get
 * the remaining palette in order of first appearance.
 */
import { formatNumber } from './units.mjs'

const WIDTH = 960
const LABEL_WIDTH = 330 // left column for group labels
const VALUE_WIDTH = 110 // room right of the longest bar for its value label
const BAR_HEIGHT = 14
const BAR_GAP = 3
const GROUP_GAP = 14
const TOP = 78 // title, subtitle and legend
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'

const SERIES_COLOURS = { seglog: '#1f6fd1', baseline: '#9aa3ad' }
const PEER_COLOURS = ['#e0892b', '#2a9d6f', '#b04fb8', '#c4453c']

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch])
}

function colourMap(groups) {
  const colours = new Map(Object.entries(SERIES_COLOURS))
  let next = 0
  for (const group of groups) {
    for (const { series } of group.bars) {
      if (!colours.has(series)) colours.set(series, PEER_COLOURS[next++ % PEER_COLOURS.length])
    }
  }
  return colours
}

export function renderBarChart({ title, subtitle, groups }) {
  const colours = colourMap(groups)
  const barArea = WIDTH - LABEL_WIDTH - VALUE_WIDTH
  const maxByScale = new Map()
  for (const group of groups) {
    const key = group.scaleKey ?? group.label
    maxByScale.set(key, Math.max(maxByScale.get(key) ?? 0, ...group.bars.map((bar) => bar.value ?? 0)))
  }
  const parts = []
  let y = TOP
  for (const group of groups) {
    const max = maxByScale.get(group.scaleKey ?? group.label)
    const groupHeight = group.bars.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    parts.push(`<text x="${LABEL_WIDTH - 10}" y="${y + groupHeight / 2 + 4}" text-anchor="end" font-size="12" ${FONT}>${escapeXml(group.label)}</text>`)
    group.bars.forEach((bar, index) => {
      const barY = y + index * (BAR_HEIGHT + BAR_GAP)
      const length = bar.value && max > 0 ? Math.max(1, (bar.value / max) * barArea) : 0
      if (length > 0) parts.push(`<rect x="${LABEL_WIDTH}" y="${barY}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colours.get(bar.series)}"><title>${escapeXml(`${bar.series}: ${bar.value} ${group.unit}`)}</title></rect>`)
      const label = bar.value === null || bar.value === undefined ? `${bar.series}: —` : `${formatNumber(bar.value)} ${group.unit}`
      parts.push(`<text x="${LABEL_WIDTH + length + 5}" y="${barY + BAR_HEIGHT - 3}" font-size="11" fill="#333" ${FONT}>${escapeXml(label)}</text>`)
    })
    y += groupHeight + GROUP_GAP
  }
  const height = y + 10
  // Entries placed one after another by their text's width (about 7 px a character at 12 px), from
  // the left margin: a fixed step ran four peers' entries off the right edge.
  let legendX = 16
  const legend = [...colours.entries()]
    .filter(([series]) => groups.some((group) => group.bars.some((bar) => bar.series === series)))
    .map(([series, colour]) => {
      const x = legendX
      legendX += 17 + String(series).length * 7 + 24
      return `<rect x="${x}" y="54" width="12" height="12" fill="${colour}"/><text x="${x + 17}" y="64" font-size="12" ${FONT}>${escapeXml(series)}</text>`
    })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    `<text x="16" y="42" font-size="11" fill="#555" ${FONT}>${escapeXml(subtitle)}</text>`,
    ...legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
