/** Types for seeded-random.mjs (shared with plain-JS child workers). */
export function seededRandom(seed: number): () => number
export function randomInt(next: () => number, min: number, max: number): number
export function deriveSeed(seed: number, ...parts: number[]): number
export const DEFAULT_SEED: number
export function seedFromEnv(name?: string): number
