-- The server clock of the node that holds the pipeline (on a cluster, TIME alone would ask any node).
-- KEYS[1] jobs stream (only routes the call; it is not read)
-- Reply: milliseconds since the epoch
return now_ms()
