// Every option of log.producer(), producer.send() and append's producer fields, and its effect (producer-options-effects.ts).
import { producerOptionEffects } from './producer-options-effects.js'
import { runTable } from './run-table.js'

runTable(producerOptionEffects)
