Feature: Scripts replicate their effects, so they may be non-deterministic
  Since Redis 7.0 a script is never re-run on replicas or from the AOF: the commands it wrote
  are replicated instead (effects replication). So a script may read TIME or draw random
  numbers and then write, and the replica still ends up with the same data. The script itself
  does not travel: a replica's script cache knows nothing of scripts run on its primary.

  Rule: Effects are replicated, not scripts

    @since_7_0
    Scenario: A script may write after reading TIME
      When the client runs EVAL with keys "stamp":
        """
        local now = redis.call('TIME')
        return redis.call('SET', KEYS[1], now[1])
        """
      Then the reply is "OK"

    @since_7_0
    Scenario: math.random gives different values in two runs of the same script
      When the client runs EVAL twice:
        """
        return tostring(math.random())
        """
      Then the two replies differ

    @since_7_0 @needs_replica
    Scenario: A replica receives the random value the script wrote, not the script
      When the primary runs EVAL with keys "lucky":
        """
        return redis.call('SET', KEYS[1], tostring(math.random()))
        """
      Then the replica holds the same value of "lucky" as the primary

    @since_7_0 @needs_replica
    Scenario: A script run on the primary is not in the replica's script cache
      When the primary runs EVAL with keys "seen":
        """
        return redis.call('SET', KEYS[1], 'primary only script')
        """
      Then the replica's script cache does not have the script
