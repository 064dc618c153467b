// Every TopicConfig key's effect, through createTopic, Log.open's defaults and alterTopicConfig (topic-config-effects.ts).
import { runTable } from './run-table.js'
import { topicConfigEffects } from './topic-config-effects.js'

runTable(topicConfigEffects)
