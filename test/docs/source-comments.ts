/**
 * The prose of a source file: its comments, as blocks of plain text with each character's line,
 * so a citation wrapped over several comment lines ("api.md \"Opening a\n * log\"") reads as one
 * phrase and a problem can still name its line.
 *
 * - TypeScript and JavaScript: every comment the TypeScript parser attaches to a token (leading or
 *   trailing), so strings, template literals and regular expressions are never mistaken for
 *   comments — string literals in tests (fixtures that cite on purpose) are not prose.
 * - C: `//` and `/* … *\/` comments, outside string and character literals.
 * - Markdown: the whole file is prose.
 * Consecutive comments with nothing but whitespace and at most one line break between them (a run
 * of `//` lines) form one block. Comment markers (`/**`, `*`, `//`) are dropped and whitespace is
 * collapsed to single spaces.
 */
import ts from 'typescript'

export interface TextBlock {
  /** Normalised text: markers dropped, whitespace collapsed. */
  text: string
  /** The 1-based source line of `text[index]`. */
  lineAt(index: number): number
}

interface Range {
  pos: number
  end: number
}

const SCRIPT_EXTENSIONS = /\.(?:[cm]?[jt]s|tsx|jsx)$/
const C_EXTENSIONS = /\.(?:c|h|cc|cpp)$/

/** Whether `fileName` is a kind of file whose prose this module can read. */
export function hasProse(fileName: string): boolean {
  return SCRIPT_EXTENSIONS.test(fileName) || C_EXTENSIONS.test(fileName) || fileName.endsWith('.md')
}

/** The prose blocks of `source`, read according to the extension of `fileName`. */
export function proseBlocks(fileName: string, source: string): TextBlock[] {
  if (fileName.endsWith('.md')) return [blockOf(source, [{ pos: 0, end: source.length }], false)]
  const ranges = C_EXTENSIONS.test(fileName) ? cCommentRanges(source) : scriptCommentRanges(fileName, source)
  return groupAdjacent(source, ranges).map((group) => blockOf(source, group, true))
}

function scriptCommentRanges(fileName: string, source: string): Range[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true)
  const byStart = new Map<number, Range>()
  const visit = (node: ts.Node): void => {
    const children = node.getChildren(file)
    if (children.length === 0) {
      for (const range of ts.getLeadingCommentRanges(source, node.pos) ?? []) byStart.set(range.pos, range)
      for (const range of ts.getTrailingCommentRanges(source, node.end) ?? []) byStart.set(range.pos, range)
    }
    for (const child of children) visit(child)
  }
  visit(file)
  return [...byStart.values()].sort((a, b) => a.pos - b.pos)
}

/** Comments of C source: a small scanner that skips string and character literals. */
function cCommentRanges(source: string): Range[] {
  const ranges: Range[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    if (c === '"' || c === "'") {
      i++
      while (i < source.length && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1
      i++
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i)
      ranges.push({ pos: i, end: end < 0 ? source.length : end })
      i = end < 0 ? source.length : end
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2)
      const end = close < 0 ? source.length : close + 2
      ranges.push({ pos: i, end })
      i = end
    } else {
      i++
    }
  }
  return ranges
}

/** Runs of comments separated only by whitespace with at most one line break. */
function groupAdjacent(source: string, ranges: Range[]): Range[][] {
  const groups: Range[][] = []
  for (const range of ranges) {
    const last = groups.at(-1)?.at(-1)
    const gap = last === undefined ? null : source.slice(last.end, range.pos)
    if (gap !== null && /^\s*$/.test(gap) && (gap.match(/\n/g)?.length ?? 0) <= 1) groups.at(-1)!.push(range)
    else groups.push([range])
  }
  return groups
}

/** One block from `ranges` of `source`; `stripMarkers` drops comment syntax line by line. */
function blockOf(source: string, ranges: Range[], stripMarkers: boolean): TextBlock {
  let text = ''
  const starts: number[] = []
  const lines: number[] = []
  for (const range of ranges) {
    let line = lineNumberAt(source, range.pos)
    for (let fragment of source.slice(range.pos, range.end).split('\n')) {
      if (stripMarkers) fragment = fragment.replace(/^\s*(?:\/\*+|\*+(?!\/)|\/\/+)?/, '').replace(/\*+\/\s*$/, '')
      fragment = fragment.replace(/\s+/g, ' ').trim()
      if (fragment !== '') {
        if (text !== '') text += ' '
        starts.push(text.length)
        lines.push(line)
        text += fragment
      }
      line++
    }
  }
  return {
    text,
    lineAt(index: number): number {
      let found = 0
      while (found + 1 < starts.length && starts[found + 1]! <= index) found++
      return lines[found] ?? 1
    },
  }
}

function lineNumberAt(source: string, pos: number): number {
  let line = 1
  for (let i = source.indexOf('\n'); i >= 0 && i < pos; i = source.indexOf('\n', i + 1)) line++
  return line
}
