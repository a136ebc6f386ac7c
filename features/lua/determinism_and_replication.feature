Feature: Scripts replicate their effects, so they may be non-deterministic
  By default a script is not re-run on replicas or from the AOF: the commands it wrote are
  replicated instead (effects replication, the default since Redis 5.0; 7.0 removed the old
  verbatim script replication altogether, redis/redis#9812). So a script may read TIME or draw
  random numbers and then write, and the replica still ends up with the same data. A script run
  with EVAL does not travel: a replica's script cache knows nothing of it (before 7.0, SCRIPT LOAD
  itself was still propagated to replicas). What 7.0 changed for the script itself is that
  math.random is no longer reseeded identically before every run.

  Rule: Effects are replicated, not scripts

    Scenario: A script may write after reading TIME
      When the client runs EVAL with keys "stamp":
        """
        local now = redis.call('TIME')
        return redis.call('SET', KEYS[1], now[1])
        """
      Then the reply is "OK"

    @since_7_0
    Scenario: math.random gives different values in two runs of the same script
      # Before 7.0 the generator was reseeded the same way before every run, so two runs drew the
      # same numbers (part of the deterministic-execution logic removed by redis/redis#9812).
      When the client runs EVAL twice:
        """
        return tostring(math.random())
        """
      Then the two replies differ

    @needs_replica
    Scenario: A replica receives the random value the script wrote, not the script
      When the primary runs EVAL with keys "lucky":
        """
        return redis.call('SET', KEYS[1], tostring(math.random()))
        """
      Then the replica holds the same value of "lucky" as the primary

    @needs_replica
    Scenario: A script run on the primary is not in the replica's script cache
      When the primary runs EVAL with keys "seen":
        """
        return redis.call('SET', KEYS[1], 'primary only script')
        """
      Then the replica's script cache does not have the script

  Rule: TIME inside a script is the wall clock before 7.2 and the script's start time from 7.2

    @before_7_2
    Scenario: Before 7.2 two calls of TIME in one script read different times
      When the client runs EVAL:
        """
        local first = redis.call('TIME')
        local spin = 0
        while spin < 3000000 do spin = spin + 1 end
        local second = redis.call('TIME')
        return first[1] ~= second[1] or first[2] ~= second[2]
        """
      Then the reply is 1

    @since_7_2
    Scenario: Since 7.2 every call of TIME in one script reads the time the script started
      # Time sampling is frozen for the whole script (redis/redis#10300), as key expiry already was.
      When the client runs EVAL:
        """
        local first = redis.call('TIME')
        local spin = 0
        while spin < 3000000 do spin = spin + 1 end
        local second = redis.call('TIME')
        return first[1] == second[1] and first[2] == second[2]
        """
      Then the reply is 1
