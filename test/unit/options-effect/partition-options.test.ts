// Every option of append, read, stream and sendTo, and its effect (partition-options-effects.ts).
import { partitionOptionEffects } from './partition-options-effects.js'
import { runTable } from './run-table.js'

runTable(partitionOptionEffects)
