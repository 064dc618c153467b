// W11: idempotent producers (bench/producers.mjs has the cases, baselines and targets).
import '../producers.mjs'
