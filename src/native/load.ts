/**
 * Chooses the binding: the native addon (loaded with node-gyp-build from `build/Release` in the
 * repo or `prebuilds/` in a published package) unless `SEGLOG_NO_NATIVE=1`, else the pure-JS
 * fallback. If the addon fails to load, the package still works and `nativeLoadError` says why.
 *
 * TODO(native helper): load the addon.
 */
import type { NativeBinding } from './binding.js'
import { fallbackBinding } from './fallback.js'

export const nativeLoadError: Error | null = new Error('native addon not built yet')

export const binding: NativeBinding = fallbackBinding
