/**
 * The environment that plants a bug in a child process's engine (src/test-bugs.ts): the bug's name
 * and the second gate, without which the name alone does nothing.
 */
import { TEST_BUG_ENV, TEST_BUG_GATE_ENV, TEST_BUG_GATE_VALUE, type TestBug } from '../../src/test-bugs.js'

export function plantedBugEnv(bug: TestBug): Record<string, string> {
  return { [TEST_BUG_ENV]: bug, [TEST_BUG_GATE_ENV]: TEST_BUG_GATE_VALUE }
}
