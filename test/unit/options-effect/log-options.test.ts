// Every LogOptions option's effect, and CreateTopicOptions.partitions' (log-options-effects.ts).
import { logOptionEffects } from './log-options-effects.js'
import { runTable } from './run-table.js'

runTable(logOptionEffects)
