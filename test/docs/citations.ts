/**
 * Citations in the project's prose, and whether each one resolves to a document of the repository.
 * Pure: the documents come in through `DocSet`, so the rules are testable on made-up text.
 *
 * What counts as a citation, and what it must resolve to:
 * - `FM-7` (also `FM-1/2/3`): a failure mode, defined by a row `| FM-7 |` of the "Failure modes"
 *   table in docs/reliability.md;
 * - `contract 3` (also `contract 3 and 6`): a numbered item of "The contract" in
 *   docs/reliability.md;
 * - `<name>.md`, bare (`format.md`: docs/, the repository root or the citing file's folder) or
 *   with a path (`docs/decisions.md`, `test/format/golden/README.md`: from the root or the citing
 *   file's folder): the file must exist; then, right after the name,
 *   - quoted sections (`api.md "Reading", "Appending"`, `decisions.md, "Torn tail vs
 *     corruption"`): each quote appears in the document's text (`…` stands for any text between
 *     its parts), or every word of it appears in one of its headings ("Opening a log" finds
 *     "Opening and closing a log");
 *   - numbered sections (`kafka-storage.md §3.8`, `§2.1–2.2`, `§2.1/§2.3`): a heading numbered so
 *     (`### 3.8 …`, `## 5. …`); with words before the `§` (`design.md write path §4`, `§2–5`): a
 *     numbered item under the heading those words name.
 * Comparisons ignore case, Markdown emphasis and code marks, and runs of whitespace.
 */
import { dirname, join, relative } from 'node:path'

/** The documents a citation may resolve to. */
export interface DocSet {
  /** The repository root (absolute). */
  root: string
  /** Whether a file exists at this absolute path. */
  exists(path: string): boolean
  /** The text of the file at this absolute path. */
  read(path: string): string
}

export interface CitationProblem {
  line: number
  /** The citation as written (normalised whitespace). */
  citation: string
  problem: string
}

const FM = /\bFM-(\d+)((?:\/\d+)*)/g
const CONTRACT = /\bcontracts? (\d+)((?:(?:,| and|–|-) ?\d+)*)/gi
const DOC = /(?<![\w./-])((?:[\w.-]+\/)*[\w-]+\.md)(?![\w-])/g
const QUOTES = /^\)?[:,]? ?("[^"]+"(?: ?, ?"[^"]+")*)/
const SECTIONS = /^\)?[:,]? ?(?:([A-Za-z]+(?: [A-Za-z]+){0,3}) )?§ ?(\d+(?:\.\d+)*)((?: ?(?:–|-|\/|,) ?§? ?\d+(?:\.\d+)*)*)/

/** Lower case, no emphasis or code marks, single spaces, straight quotes. */
export function normaliseProse(text: string): string {
  return text
    .replace(/[*`]/g, '')
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
}

interface Heading {
  level: number
  text: string
  /** Index of the heading's line in the document's lines. */
  lineIndex: number
}

function headingsOf(markdown: string): { headings: Heading[]; lines: string[] } {
  const lines = markdown.split('\n')
  const headings: Heading[] = []
  let inFence = false
  lines.forEach((line, lineIndex) => {
    if (/^\s*```/.test(line)) inFence = !inFence
    const match = inFence ? null : /^(#{1,6})\s+(.*)$/.exec(line)
    if (match) headings.push({ level: match[1]!.length, text: normaliseProse(match[2]!), lineIndex })
  })
  return { headings, lines }
}

/** The body of `heading`: its lines up to the next heading of the same or a higher level. */
function sectionBody(lines: string[], headings: Heading[], heading: Heading): string[] {
  const next = headings.find((h) => h.lineIndex > heading.lineIndex && h.level <= heading.level)
  return lines.slice(heading.lineIndex + 1, next?.lineIndex ?? lines.length)
}

function words(text: string): string[] {
  return normaliseProse(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '')
}

/** Whether `quote` names a passage or a heading of `markdown` (see the file header). */
export function quoteResolves(markdown: string, quote: string): boolean {
  const text = normaliseProse(markdown)
  let from = 0
  const parts = normaliseProse(quote).split(/ ?… ?/)
  const inText = parts.every((part) => {
    const at = text.indexOf(part, from)
    if (at < 0) return false
    from = at + part.length
    return true
  })
  if (inText) return true
  const wanted = words(quote)
  return headingsOf(markdown).headings.some((h) => {
    const have = new Set(words(h.text))
    return wanted.every((w) => have.has(w))
  })
}

/** The numbers a `§` citation names: `2–5` is 2, 3, 4, 5; `2.1–2.2` and `2.1/2.3` their ends. */
function sectionNumbers(first: string, rest: string): string[] {
  const numbers = [first, ...(rest.match(/\d+(?:\.\d+)*/g) ?? [])]
  const isRange = /^ ?(?:–|-)/.test(rest) && numbers.length === 2 && numbers.every((n) => /^\d+$/.test(n))
  if (!isRange) return numbers
  const [lo, hi] = numbers.map(Number) as [number, number]
  return lo <= hi && hi - lo <= 20 ? Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i)) : numbers
}

/** Whether `markdown` has section `number` (under the heading named by `within`, if given). */
export function sectionResolves(markdown: string, number: string, within: string | null): boolean {
  const { headings, lines } = headingsOf(markdown)
  if (within === null) {
    return headings.some((h) => new RegExp(`^§?${number.replace(/\./g, '\\.')}(?:[.\\s]|$)`).test(h.text))
  }
  const name = normaliseProse(within)
  return headings
    .filter((h) => h.text.includes(name))
    .some((h) => sectionBody(lines, headings, h).some((line) => new RegExp(`^\\s*${number}\\.\\s`).test(line)))
}

/** The FM numbers docs/reliability.md defines: rows `| FM-N |` of its "Failure modes" table. */
export function definedFailureModes(reliability: string): Set<number> {
  const { headings, lines } = headingsOf(reliability)
  const section = headings.find((h) => h.text === 'failure modes')
  const body = section === undefined ? [] : sectionBody(lines, headings, section)
  return new Set(body.flatMap((line) => /^\|\s*FM-(\d+)\s*\|/.exec(line)?.[1] ?? []).map(Number))
}

/** The contract items docs/reliability.md numbers under "The contract". */
export function definedContracts(reliability: string): Set<number> {
  const { headings, lines } = headingsOf(reliability)
  const section = headings.find((h) => h.text === 'the contract')
  const body = section === undefined ? [] : sectionBody(lines, headings, section)
  return new Set(body.flatMap((line) => /^(\d+)\.\s/.exec(line)?.[1] ?? []).map(Number))
}

/** Where a cited document is, or null: see the file header for the places tried. */
export function resolveDoc(docs: DocSet, citingFile: string, cited: string): string | null {
  const candidates = cited.includes('/')
    ? [join(docs.root, cited), join(dirname(citingFile), cited)]
    : [join(docs.root, 'docs', cited), join(docs.root, cited), join(dirname(citingFile), cited)]
  const inside = candidates.filter((path) => !relative(docs.root, path).startsWith('..'))
  return inside.find((path) => docs.exists(path)) ?? null
}

/** Every citation in `text` (one prose block of `citingFile`) that does not resolve. */
export function unresolvedCitations(docs: DocSet, citingFile: string, text: string, lineAt: (index: number) => number): CitationProblem[] {
  const reliabilityPath = join(docs.root, 'docs', 'reliability.md')
  const reliability = docs.exists(reliabilityPath) ? docs.read(reliabilityPath) : ''
  const failureModes = definedFailureModes(reliability)
  const contracts = definedContracts(reliability)
  const problems: CitationProblem[] = []
  const report = (index: number, citation: string, problem: string): void => {
    problems.push({ line: lineAt(index), citation, problem })
  }

  for (const match of text.matchAll(FM)) {
    const numbers = [match[1]!, ...(match[2]!.match(/\d+/g) ?? [])].map(Number)
    const missing = numbers.filter((n) => !failureModes.has(n))
    if (missing.length > 0) report(match.index, match[0], `FM-${missing.join(', FM-')} is not in the "Failure modes" table of docs/reliability.md`)
  }
  for (const match of text.matchAll(CONTRACT)) {
    const numbers = [match[1]!, ...(match[2]!.match(/\d+/g) ?? [])].map(Number)
    const missing = numbers.filter((n) => !contracts.has(n))
    if (missing.length > 0) report(match.index, match[0], `contract ${missing.join(', ')} is not numbered under "The contract" in docs/reliability.md`)
  }
  for (const match of text.matchAll(DOC)) {
    const cited = match[1]!
    const path = resolveDoc(docs, citingFile, cited)
    if (path === null) {
      report(match.index, cited, `${cited} is not a file of the repository (looked in docs/, the root and beside the citing file)`)
      continue
    }
    const after = text.slice(match.index + match[0].length)
    const quotes = QUOTES.exec(after)
    if (quotes !== null) {
      for (const quote of quotes[1]!.match(/"[^"]+"/g)!) {
        if (!quoteResolves(docs.read(path), quote.slice(1, -1))) {
          report(match.index, `${cited} ${quote}`, `${relative(docs.root, path)} has no passage or heading ${quote}`)
        }
      }
    }
    const sections = SECTIONS.exec(after)
    if (sections !== null) {
      const within = sections[1] ?? null
      for (const number of sectionNumbers(sections[2]!, sections[3]!)) {
        if (!sectionResolves(docs.read(path), number, within)) {
          const where = within === null ? `heading numbered ${number}` : `item ${number}. under a heading "${within}"`
          report(match.index, `${cited} ${within === null ? '' : within + ' '}§${number}`, `${relative(docs.root, path)} has no ${where}`)
        }
      }
    }
  }
  return problems
}
