/**
 * Property: every citation in the project's prose resolves inside the repository — a failure mode
 * `FM-N`, a `contract N`, a document `<name>.md`, a quoted section of one, a `§N` of one — so a
 * reader of the repository or of the npm package never meets a reference into a workspace they do
 * not have (issue 9 §4). The rules are in citations.ts; the prose is the comments of every source
 * file under src/, native/, test/, scripts/ and bench/ (source-comments.ts) and every Markdown
 * file of the repository.
 */
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './api-surface.js'
import { unresolvedCitations, type DocSet } from './citations.js'
import { markdownFiles, sourceFiles } from './repo-files.js'
import { hasProse, proseBlocks } from './source-comments.js'

/**
 * Citations known not to resolve, each in a file its owner is editing right now and cannot be
 * reworded here; the test fails as soon as one resolves or disappears, so the list only shrinks.
 * Key: `<file> <citation>` as the failure message prints it.
 */
const AWAITING_OWNER = new Set<string>([])

const repoDocs: DocSet = {
  root: REPO_ROOT,
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'utf8'),
}

/** `<file>:<line> <citation>: <problem>` for every unresolved citation of `files`. */
function problemsIn(docs: DocSet, files: readonly string[], read: (file: string) => string): { key: string; message: string }[] {
  const found: { key: string; message: string }[] = []
  for (const file of files) {
    const name = relative(docs.root, file)
    for (const block of proseBlocks(file, read(file))) {
      for (const p of unresolvedCitations(docs, file, block.text, block.lineAt)) {
        found.push({ key: `${name} ${p.citation}`, message: `${name}:${p.line} ${p.citation}: ${p.problem}` })
      }
    }
  }
  return found
}

describe('citations in the project', () => {
  it('resolve to documents, sections, failure modes and contract items of the repository', () => {
    const files = [...sourceFiles(REPO_ROOT, (name) => hasProse(name) && !name.endsWith('.d.ts')), ...markdownFiles(REPO_ROOT)]
    expect(files.length).toBeGreaterThan(100)
    const found = problemsIn(repoDocs, files, (file) => readFileSync(file, 'utf8'))
    const unexpected = found.filter((p) => !AWAITING_OWNER.has(p.key)).map((p) => p.message)
    expect(unexpected, `citations that do not resolve:\n  ${unexpected.join('\n  ')}\n`).toEqual([])
    const stale = [...AWAITING_OWNER].filter((key) => !found.some((p) => p.key === key))
    expect(stale, 'AWAITING_OWNER entries that resolve now (remove them)').toEqual([])
  })
})

describe('the citation rules', () => {
  const root = '/repo'
  const files: Record<string, string> = {
    '/repo/docs/reliability.md': [
      '# Reliability',
      '## The contract',
      '1. **Durability.** kept',
      '3. **Read integrity.** checked',
      '## Failure modes',
      '| id | what |',
      '|---|---|',
      '| FM-1 | torn tail |',
      '| FM-2 | corruption |',
    ].join('\n'),
    '/repo/docs/design.md': ['# Design', '## Write path', '1. **Validate**', '2. **Assign**', '3. **Write**', '## Open and recovery (the recovery path)', '1. Lock'].join('\n'),
    '/repo/docs/api.md': ['# API', '## Opening and closing a log', '**Returned Buffers** are the caller\'s: they', 'stay valid while referenced.'].join('\n'),
    '/repo/docs/study.md': ['# Study', '## 2. Formats', '### 2.1 Batch', '### 2.3 Markers', '## 5. Tests'].join('\n'),
    '/repo/README.md': '# seglog',
    '/repo/src/a.ts': '',
  }
  const docs: DocSet = { root, exists: (path) => path in files, read: (path) => files[path]! }
  const check = (source: string): string[] =>
    problemsIn(docs, ['/repo/src/a.ts'], () => source).map((p) => p.message.replace(/^src\/a\.ts:/, ''))

  it('accepts citations that resolve', () => {
    const source = [
      '/**',
      ' * Torn tails (FM-1/2, contract 1 and 3): see design.md "Recovery path", design.md write path',
      ' * §1–3, api.md "Opening a log", api.md "Returned Buffers … stay valid", study.md §2.1/§2.3,',
      ' * study.md §5, docs/api.md, README.md and https://example.org/x.md.',
      ' */',
      "const s = 'FM-99 and missing.md in a string are not prose'",
    ].join('\n')
    expect(check(source)).toEqual([])
  })

  // Property: each kind of broken citation is reported, on its line — the guard this file exists for.
  it('reports an undefined failure mode, contract item, document, quoted or numbered section', () => {
    const source = [
      '// FM-3 is not defined',
      '// nor is contract 7',
      '/* kafka-notes.md is not a file */',
      '// design.md "Read path" has no heading',
      '// study.md §3.2 has no heading',
      '// design.md write path §4 has no item 4',
    ].join('\n')
    expect(check(source)).toEqual([
      '1 FM-3: FM-3 is not in the "Failure modes" table of docs/reliability.md',
      '2 contract 7: contract 7 is not numbered under "The contract" in docs/reliability.md',
      '3 kafka-notes.md: kafka-notes.md is not a file of the repository (looked in docs/, the root and beside the citing file)',
      '4 design.md "Read path": docs/design.md has no passage or heading "Read path"',
      '5 study.md §3.2: docs/study.md has no heading numbered 3.2',
      '6 design.md write path §4: docs/design.md has no item 4. under a heading "write path"',
    ])
  })

  it('reads a citation wrapped over comment lines as one', () => {
    expect(check(['/**', ' * see api.md "Opening a', ' * log" and design.md "Read', ' * path"', ' */'].join('\n'))).toEqual([
      '3 design.md "Read path": docs/design.md has no passage or heading "Read path"',
    ])
  })
})
