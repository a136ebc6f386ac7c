Feature: Scripts in a Redis Cluster: one slot per script
  In a cluster a script runs on one node, so every key it declares must hash to one slot, or
  the node refuses it with CROSSSLOT. Hash tags make keys share a slot: only the part between
  the first "{" and the next "}" is hashed, provided it is not empty; otherwise the whole key is,
  so "foo{}{bar}" is hashed whole, not as "bar" (cluster specification, "Hash tags":
  https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/). A multi-key
  script therefore needs a key schema in which everything it touches carries one tag -- and
  that slot then takes all its traffic.

  Rule: The keys of one script must hash to one slot

    @cluster_only
    Scenario: A script declaring keys of two slots is refused with CROSSSLOT
      When the cluster node of "cart:1" is sent EVAL with keys "cart:1 stock:1":
        """
        return redis.call('GET', KEYS[1])
        """
      Then the reply is an error saying "CROSSSLOT Keys in request don't hash to the same slot"

    @cluster_only
    Scenario: Keys that share a hash tag can be used together by one script
      When the cluster node of "{shop}:cart:1" is sent EVAL with keys "{shop}:cart:1 {shop}:stock:1":
        """
        redis.call('SET', KEYS[1], 'A')
        return redis.call('INCR', KEYS[2])
        """
      Then the reply is 1
      And "{shop}:cart:1" and "{shop}:stock:1" hash to the same slot

    @cluster_only @since_7_0
    Scenario: A shebang script may not touch an undeclared key of another slot
      Given "other" names a key in another slot served by the node of "a"
      When the cluster node of "a" is sent EVAL with keys "a" and arguments "other":
        """
        #!lua
        redis.call('GET', KEYS[1])
        return redis.call('GET', ARGV[1])
        """
      Then the reply is an error starting with "ERR Script attempted to access keys that do not hash to the same slot script: " and ending with ", on @user_script:3."

    @cluster_only
    Scenario: A script without a shebang may still touch an undeclared key of another slot on the same node
      # A compatibility allowance of EVAL scripts without a shebang only: functions, like shebang
      # scripts, are refused any key outside the declared slot since 7.0 (redis/redis#10615).
      Given "other" names a key in another slot served by the node of "a"
      When the cluster node of "a" is sent EVAL with keys "a" and arguments "other":
        """
        redis.call('GET', KEYS[1])
        return redis.call('GET', ARGV[1])
        """
      Then the reply is nil
