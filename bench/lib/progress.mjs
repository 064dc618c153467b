/**
 * Progress for humans watching a run: one self-overwriting line on stderr, and only when stderr is
 * a terminal. Redirected or piped runs (CI, `> log`) get nothing, so results on stdout and in the
 * NDJSON files stay clean. Updates are throttled to PROGRESS_INTERVAL_MS so printing never shows up
 * in the numbers.
 */

/** Terminal redraws more often than this are invisible and cost time in the measured loop. */
const PROGRESS_INTERVAL_MS = 250

const enabled = Boolean(process.stderr.isTTY)
let lastDrawMs = 0
let drawn = false

/** Shows `text` (throttled unless `force`). */
export function progress(text, force = false) {
  if (!enabled) return
  const now = Date.now()
  if (!force && now - lastDrawMs < PROGRESS_INTERVAL_MS) return
  lastDrawMs = now
  const width = process.stderr.columns ? process.stderr.columns - 1 : 100
  process.stderr.write(`\r\x1b[K${text.slice(0, width)}`)
  drawn = true
}

/** Erases the progress line before normal output. */
export function clearProgress() {
  if (!enabled || !drawn) return
  process.stderr.write('\r\x1b[K')
  drawn = false
}
