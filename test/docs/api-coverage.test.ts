/**
 * Property: docs/api.md documents every public name the code exports — a method, getter, option,
 * result field, record field, error code, event, diagnostics channel or metric added to the code
 * without a word in docs/api.md fails here, naming it and where the code defines it.
 *
 * The names come from the code (api-surface.ts walks src/index.ts with the TypeScript compiler
 * API), never from a list kept by hand. Members tagged `@internal` are exempt.
 *
 * The rule for "documented": the name appears as a whole identifier (not inside a longer name:
 * `offset` is not found in `logStartOffset`) inside an inline code span — `read`, `p.read(opts)`,
 * `maxWaitMs`, `'LogAppendTime'` — or in a heading line. Fenced code blocks do not count: an
 * example is not a description. The check is by name over the whole page, not per section, so a
 * new option whose name another part of the page already uses in code passes; the names the code
 * adds are usually new words, which is what this catches.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, publicApiNames } from './api-surface.js'

const API_DOC = join(REPO_ROOT, 'docs', 'api.md')

/** The inline code spans and heading lines of a Markdown page, fenced code blocks left out. */
export function documentedTexts(markdown: string): string[] {
  const texts: string[] = []
  let inFence = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence
      continue
    }
    if (inFence) continue
    if (/^#{1,6}\s/.test(line)) texts.push(line)
    for (const match of line.matchAll(/`([^`]+)`/g)) texts.push(match[1]!)
  }
  return texts
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function isDocumented(name: string, texts: readonly string[]): boolean {
  const pattern = new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(name)}(?![A-Za-z0-9_$])`)
  return texts.some((text) => pattern.test(text))
}

describe('docs/api.md', () => {
  it('documents every exported class member, option, field, error code, event and metric', () => {
    const names = publicApiNames()
    // A broken walk (an export renamed away, the compiler finding nothing) must not pass as "all documented".
    expect(names.length).toBeGreaterThan(200)
    for (const expected of ['append', 'maxWaitMs', 'STORAGE_ERROR', 'fsyncLatencyMs', 'roll', 'seglog:append']) {
      expect(names.map((n) => n.name)).toContain(expected)
    }
    const texts = documentedTexts(readFileSync(API_DOC, 'utf8'))
    const missing = new Map<string, string[]>()
    for (const { name, where } of names) {
      if (isDocumented(name, texts)) continue
      missing.set(name, [...(missing.get(name) ?? []), where])
    }
    const report = [...missing].map(([name, where]) => `\`${name}\` (${where.join(', ')})`)
    expect(report, `not in docs/api.md as \`name\` in a code span or in a heading:\n  ${report.join('\n  ')}\n`).toEqual([])
  })

  it('counts a name only as a whole identifier in a code span or heading, never in a fenced example', () => {
    const texts = documentedTexts(['# `read` and more', 'see `p.append(records)` and `logStartOffset`', '```ts', '`maxWaitMs`', '```', 'plain offset'].join('\n'))
    expect(isDocumented('read', texts)).toBe(true)
    expect(isDocumented('append', texts)).toBe(true)
    expect(isDocumented('offset', texts)).toBe(false)
    expect(isDocumented('maxWaitMs', texts)).toBe(false)
  })
})
