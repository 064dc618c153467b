/**
 * Property: every Markdown document of the project refers only to paths inside the repository, so
 * a reader of a clone (or of the npm package's docs/) never meets a link into a workspace they do
 * not have.
 *
 * Checked in every `.md` file under the repository root (untracked ones too; dependency folders —
 * every `node_modules`, `bench/peers/node_modules` included — and build outputs left out):
 * - a Markdown link or reference target (`[text](target)`, `[label]: target`) that is relative
 *   and resolves, from the file's folder, to outside the repository;
 * - any other relative path starting with `../`, in prose, code spans or code blocks alike, that
 *   resolves outside it (`../../shared/docs` in docs/architecture.md was one);
 * - any mention of the product workspace's shared folders (`shared/docs`, `shared/reference`),
 *   which lie outside every clone however the path is written.
 * URLs with a scheme (`https:`, `mailto:`) and in-page anchors are not paths.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './api-surface.js'
import { markdownFiles } from './repo-files.js'

const LINK_TARGET = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm
const PARENT_PATH = /(?<![\w./-])((?:\.\.\/)+[^\s`'"()<>\][,;]*)/g
const WORKSPACE_SHARED = /(?<![\w-])shared\/(?:docs|reference)\b/g

function isOutside(root: string, fromDir: string, target: string): boolean {
  const path = relative(root, resolve(fromDir, target))
  return path === '..' || path.startsWith('../') || isAbsolute(path)
}

/** The references in `markdown` (a file in `fromDir`) that point outside `root`, with their line. */
export function outsideReferences(root: string, fromDir: string, markdown: string): string[] {
  const found: string[] = []
  const lineOf = (index: number): number => markdown.slice(0, index).split('\n').length
  for (const match of markdown.matchAll(LINK_TARGET)) {
    const target = (match[1] ?? match[2] ?? '').split('#')[0]!
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) continue
    if (isOutside(root, fromDir, decodeURI(target))) found.push(`line ${lineOf(match.index)}: link ${target}`)
  }
  for (const match of markdown.matchAll(PARENT_PATH)) {
    if (isOutside(root, fromDir, match[1]!)) found.push(`line ${lineOf(match.index)}: path ${match[1]}`)
  }
  for (const match of markdown.matchAll(WORKSPACE_SHARED)) {
    found.push(`line ${lineOf(match.index)}: the workspace folder ${match[0]}`)
  }
  const lineNumber = (entry: string): number => Number(/^line (\d+)/.exec(entry)![1])
  return [...new Set(found)].sort((a, b) => lineNumber(a) - lineNumber(b) || a.localeCompare(b))
}

describe('project documents', () => {
  it('refer only to paths inside the repository', () => {
    const files = markdownFiles(REPO_ROOT)
    expect(files.map((f) => relative(REPO_ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/architecture.md']))
    const problems: string[] = []
    for (const file of files) {
      for (const found of outsideReferences(REPO_ROOT, dirname(file), readFileSync(file, 'utf8'))) {
        problems.push(`${relative(REPO_ROOT, file)} ${found}`)
      }
    }
    expect(problems, `references outside the repository:\n  ${problems.join('\n  ')}\n`).toEqual([])
  })

  it('flags links, ../ paths and workspace folders outside the root, and nothing inside it', () => {
    const root = '/repo'
    const doc = [
      'See [the figures](../BENCHMARKS.md), [decisions](decisions.md#why) and [site](https://example.org/a/../b).',
      'The contract is in `../../shared/docs` and [api](../../spec/api.md).',
      '[ref]: ../../outside.md',
      'as in the workspace shared/reference folder',
    ].join('\n')
    expect(outsideReferences(root, '/repo/docs', doc)).toEqual([
      'line 2: link ../../spec/api.md',
      'line 2: path ../../shared/docs',
      'line 2: path ../../spec/api.md',
      'line 2: the workspace folder shared/docs',
      'line 3: link ../../outside.md',
      'line 3: path ../../outside.md',
      'line 4: the workspace folder shared/reference',
    ])
  })
})
