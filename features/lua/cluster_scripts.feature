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

    # The node serving the script can only reach its own keys, so no flag lifts this one.
    @cluster_only @since_7_0
    Scenario: Even a script without a shebang may not touch a key served by another node
      Given "far" names a key served by another node than the node of "a"
      When the cluster node of "a" is sent EVAL with keys "a" and arguments "far":
        """
        redis.call('GET', KEYS[1])
        return redis.call('GET', ARGV[1])
        """
      Then the reply is an error starting with "ERR Script attempted to access a non local key in a cluster node script: " and ending with ", on @user_script:2."

    # Before 7.0 the message came after "Error running script" and the script's SHA-1 (redis/redis#10329).
    @cluster_only @before_7_0
    Scenario: Before 7.0 a script touching a key served by another node is refused, after the script's SHA-1
      Given "far" names a key served by another node than the node of "a"
      When the cluster node of "a" is sent EVAL with keys "a" and arguments "far":
        """
        redis.call('GET', KEYS[1])
        return redis.call('GET', ARGV[1])
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:2: @user_script: 2: Lua script attempted to access a non local key in a cluster node"

  Rule: Functions get no cross-slot allowance unless they declare allow-cross-slot-keys
    # Functions exist since 7.0, and from the start they were held to the declared slot as shebang
    # scripts are (redis/redis#10615): the allowance above is for EVAL scripts written before.

    @cluster_only @since_7_0
    Scenario: A function called with keys of two slots is refused with CROSSSLOT
      Given "other" names a key in another slot served by the node of "a"
      And the cluster node of "a" has loaded the library:
        """
        #!lua name=xslot
        redis.register_function('get_both', function(keys, args)
          redis.call('GET', keys[1])
          return redis.call('GET', keys[2])
        end)
        """
      When the cluster node of "a" is sent FCALL "get_both" with keys "a other"
      Then the reply is an error saying "CROSSSLOT Keys in request don't hash to the same slot"

    @cluster_only @since_7_0
    Scenario: A function may not touch an undeclared key of another slot, even one its node serves
      Given "other" names a key in another slot served by the node of "a"
      And the cluster node of "a" has loaded the library:
        """
        #!lua name=xslot
        redis.register_function('get_other', function(keys, args)
          redis.call('GET', keys[1])
          return redis.call('GET', args[1])
        end)
        """
      When the cluster node of "a" is sent FCALL "get_other" with keys "a" and arguments "other"
      Then the reply is an error saying "ERR Script attempted to access keys that do not hash to the same slot script: get_other, on @user_function:4."

    @cluster_only @since_7_0
    Scenario: A function declared allow-cross-slot-keys may touch an undeclared key of another slot its node serves
      Given "other" names a key in another slot served by the node of "a"
      And the cluster node of "a" has loaded the library:
        """
        #!lua name=xslot
        redis.register_function{function_name='incr_other', flags={'allow-cross-slot-keys'}, callback=function(keys, args)
          redis.call('GET', keys[1])
          return redis.call('INCR', args[1])
        end}
        """
      When the cluster node of "a" is sent FCALL "incr_other" with keys "a" and arguments "other"
      Then the reply is 1
