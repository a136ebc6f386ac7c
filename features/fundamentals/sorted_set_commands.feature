Feature: Sorted set commands: scores, ranks, ranges and set algebra
  A sorted set keeps distinct members ordered by a floating-point score. Members are added or
  updated with ZADD (its options decide what may change), counted, ranked, read by rank, by score
  or by lexical range, removed by any of those, popped from either end, and combined with other
  sets (ZUNION, ZINTER, ZDIFF and their STORE forms) where a plain set counts as scores of 1.
  The facts follow redis/redis `tests/unit/type/zset.tcl` and the command pages on redis.io.

  Rule: ZADD adds or updates members, as its options allow

    Scenario: ZADD on an existing member updates its score and replies 0
      Given the client has sent "ZADD z 10 x"
      When the client sends "ZADD z 20 x"
      Then the reply is 0
      And "ZSCORE z x" replies "20"

    Scenario: ZADD with a score but no member is a syntax error
      When the client sends "ZADD z 10 a 20"
      Then the reply is an error saying "ERR syntax error"
      And "EXISTS z" replies 0

    Scenario: ZADD XX on a missing key adds nothing and creates no key
      When the client sends "ZADD z XX 10 x"
      Then the reply is 0
      And "EXISTS z" replies 0

    Scenario: ZADD XX updates existing members and adds no new ones
      Given the client has sent "ZADD z 10 x 20 y"
      When the client sends "ZADD z XX 5 x 30 new"
      Then the reply is 0
      And "ZRANGE z 0 -1 WITHSCORES" replies ["x", "5", "y", "20"]

    @since_6_2
    Scenario: ZADD LT only lowers scores
      Given the client has sent "ZADD z 10 x 20 y"
      When the client sends "ZADD z LT CH 5 x 30 y 1 new"
      Then the reply is 2
      And "ZRANGE z 0 -1 WITHSCORES" replies ["new", "1", "x", "5", "y", "20"]

    Scenario: ZADD NX adds new members and leaves existing ones alone
      Given the client has sent "ZADD z 10 x"
      When the client sends "ZADD z NX 20 x 30 y"
      Then the reply is 1
      And "ZRANGE z 0 -1 WITHSCORES" replies ["x", "10", "y", "30"]

    @since_6_2
    Scenario: ZADD refuses GT or LT together with NX
      When the client sends "ZADD z GT NX 10 x"
      Then the reply is an error saying "ERR GT, LT, and/or NX options at the same time are not compatible"
      And "ZADD z LT NX 10 x" replies an error saying "ERR GT, LT, and/or NX options at the same time are not compatible"

    @since_6_2
    Scenario: ZADD GT INCR replies nil when the score would not rise
      Given the client has sent "ZADD z 10 x"
      When the client sends "ZADD z GT INCR -1 x"
      Then the reply is nil
      And "ZSCORE z x" replies "10"

    Scenario: ZADD INCR takes exactly one score and member
      When the client sends "ZADD z INCR 10 x 20 y"
      Then the reply is an error saying "ERR INCR option supports a single increment-element pair"

    Scenario: ZINCRBY refuses an increment that is not a number
      Given the client has sent "ZADD z 10 x"
      When the client sends "ZINCRBY z v x"
      Then the reply is an error saying "ERR value is not a valid float"

    Scenario: ZADD with one bad score adds none of the members
      When the client sends "ZADD z 10 x 20 y abc z"
      Then the reply is an error saying "ERR value is not a valid float"
      And "EXISTS z" replies 0

    Scenario: ZADD refuses an empty string as a score
      When the client sends "ZADD z '' x"
      Then the reply is an error saying "ERR value is not a valid float"

    Scenario: ZINCRBY takes exactly one member
      When the client sends "ZINCRBY z 10 a 20 b"
      Then the reply is an error saying "ERR wrong number of arguments for 'zincrby' command"

  Rule: Members are counted, scored and removed

    Scenario: ZCARD counts the members, 0 for a missing key
      Given the client has sent "ZADD z 10 a 20 b"
      Then "ZCARD z" replies 2
      And "ZCARD missing" replies 0

    Scenario: ZREM of the last member deletes the key
      Given the client has sent "ZADD z 10 a"
      Then "ZREM z a" replies 1
      And "ZREM z a" replies 0
      And "EXISTS z" replies 0

    Scenario: ZREM with several members counts the ones it removed
      Given the client has sent "ZADD z 10 a 20 b 30 c"
      When the client sends "ZREM z a b nomember"
      Then the reply is 2
      And "ZRANGE z 0 -1" replies ["c"]

    Scenario: ZSCORE replies a member's score, nil for a missing member
      Given the client has sent "ZADD z 1.5 a"
      Then "ZSCORE z a" replies "1.5"
      And "ZSCORE z nomember" replies nil

    @since_6_2
    Scenario: ZMSCORE replies one score per member, nil for a missing one
      Given the client has sent "ZADD z 1 a 2 b"
      Then "ZMSCORE z a nomember b" replies ["1", nil, "2"]
      And "ZMSCORE missing a" replies [nil]

    @since_6_2
    Scenario: ZMSCORE needs at least one member
      When the client sends "ZMSCORE z"
      Then the reply is an error saying "ERR wrong number of arguments for 'zmscore' command"

    Scenario: ZINCRBY on a missing key creates it with the increment as score
      When the client sends "ZINCRBY z 5 x"
      Then the reply is "5"
      And "ZSCORE z x" replies "5"

    Scenario: ZINCRBY adds a negative increment too
      Given the client has sent "ZADD z 5 x"
      When the client sends "ZINCRBY z -7 x"
      Then the reply is "-2"

  Rule: Ranks count from zero at the lowest score; ZREV… counts from the highest

    Scenario: ZRANGE reads by rank, negative ranks from the end
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d"
      Then "ZRANGE z 0 -1" replies ["a", "b", "c", "d"]
      And "ZRANGE z 1 -2" replies ["b", "c"]
      And "ZRANGE z -2 -1" replies ["c", "d"]
      And "ZRANGE z 5 10" replies []

    Scenario: ZREVRANGE reads by rank from the highest score
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d"
      Then "ZREVRANGE z 0 -1" replies ["d", "c", "b", "a"]
      And "ZREVRANGE z 0 1" replies ["d", "c"]

    Scenario: ZRANK and ZREVRANK give a member's position from either end
      Given the client has sent "ZADD z 10 x 20 y 30 z"
      Then "ZRANK z x" replies 0
      And "ZRANK z z" replies 2
      And "ZREVRANK z x" replies 2
      And "ZRANK z nomember" replies nil

  Rule: Score ranges include their bounds unless "(" excludes them

    Scenario: ZRANGEBYSCORE and ZCOUNT include their bounds, unless "(" excludes them
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d 5 e"
      Then "ZRANGEBYSCORE z 2 4" replies ["b", "c", "d"]
      And "ZRANGEBYSCORE z (2 (4" replies ["c"]
      And "ZREVRANGEBYSCORE z 4 2" replies ["d", "c", "b"]
      And "ZCOUNT z 2 4" replies 3
      And "ZCOUNT z -inf +inf" replies 5

    Scenario: ZRANGEBYSCORE WITHSCORES replies each member with its score
      Given the client has sent "ZADD z 1 a 2 b"
      When the client sends "ZRANGEBYSCORE z -inf +inf WITHSCORES"
      Then the reply is ["a", "1", "b", "2"]

    Scenario: ZRANGEBYSCORE LIMIT skips and caps the members
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d 5 e"
      Then "ZRANGEBYSCORE z -inf +inf LIMIT 1 2" replies ["b", "c"]
      And "ZRANGEBYSCORE z -inf +inf LIMIT 10 2" replies []

    Scenario: ZRANGEBYSCORE refuses a bound that is not a number
      When the client sends "ZRANGEBYSCORE z str 1"
      Then the reply is an error saying "ERR min or max is not a float"

    Scenario: ZREMRANGEBYSCORE removes the members in a score range and counts them
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d 5 e"
      When the client sends "ZREMRANGEBYSCORE z 2 (4"
      Then the reply is 2
      And "ZRANGE z 0 -1" replies ["a", "d", "e"]

    Scenario: ZREMRANGEBYRANK removes members by rank
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d 5 e"
      When the client sends "ZREMRANGEBYRANK z 1 -2"
      Then the reply is 3
      And "ZRANGE z 0 -1" replies ["a", "e"]

  Rule: Lexical ranges compare members byte by byte among equal scores

    Scenario: ZRANGEBYLEX reads members between two lexical bounds
      Given the client has sent "ZADD z 0 alpha 0 bar 0 cool 0 down 0 elephant 0 foo"
      Then "ZRANGEBYLEX z - [cool" replies ["alpha", "bar", "cool"]
      And "ZRANGEBYLEX z [bar (down" replies ["bar", "cool"]
      And "ZREVRANGEBYLEX z [cool -" replies ["cool", "bar", "alpha"]

    Scenario: ZLEXCOUNT counts the members between two lexical bounds
      Given the client has sent "ZADD z 0 alpha 0 bar 0 cool 0 down"
      Then "ZLEXCOUNT z - +" replies 4
      And "ZLEXCOUNT z (alpha [cool" replies 2

    Scenario: ZRANGEBYLEX refuses a bound without "[" or "("
      When the client sends "ZRANGEBYLEX z foo bar"
      Then the reply is an error saying "ERR min or max not valid string range item"

    Scenario: ZREMRANGEBYLEX removes the members in a lexical range
      Given the client has sent "ZADD z 0 alpha 0 bar 0 cool 0 down"
      When the client sends "ZREMRANGEBYLEX z [bar [cool"
      Then the reply is 2
      And "ZRANGE z 0 -1" replies ["alpha", "down"]

  Rule: ZUNION, ZINTER and ZDIFF combine sorted sets, and take a plain set as scores of 1

    Scenario: ZUNIONSTORE of missing keys replies 0 and leaves no destination
      Given the client has sent "ZADD dst 1 old"
      When the client sends "ZUNIONSTORE dst 2 missing1 missing2"
      Then the reply is 0
      And "EXISTS dst" replies 0

    Scenario: ZUNIONSTORE sums the scores of a member found in several sets
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b 2 c 3 d
        """
      When the client sends "ZUNIONSTORE dst 2 z1 z2"
      Then the reply is 4
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["a", "1", "b", "3", "d", "3", "c", "5"]

    Scenario: ZUNIONSTORE WEIGHTS multiplies each set's scores first
      Given the client has sent:
        """
        ZADD z1 1 a 2 b
        ZADD z2 1 b 2 c
        """
      When the client sends "ZUNIONSTORE dst 2 z1 z2 WEIGHTS 2 3"
      Then the reply is 3
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["a", "2", "c", "6", "b", "7"]

    Scenario: ZUNIONSTORE takes a plain set as members of score 1
      Given the client has sent:
        """
        SADD s a b
        ZADD z 5 b
        """
      When the client sends "ZUNIONSTORE dst 2 s z"
      Then the reply is 2
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["a", "1", "b", "6"]

    Scenario: ZUNIONSTORE AGGREGATE MIN or MAX keeps one score instead of the sum
      Given the client has sent:
        """
        ZADD z1 1 a 5 b
        ZADD z2 3 b
        """
      Then "ZUNIONSTORE dst 2 z1 z2 AGGREGATE MIN" replies 2
      And "ZSCORE dst b" replies "3"
      And "ZUNIONSTORE dst 2 z1 z2 AGGREGATE MAX" replies 2
      And "ZSCORE dst b" replies "5"

    Scenario: ZINTERSTORE keeps only the members of every set, summing their scores
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b 2 c 3 d
        """
      When the client sends "ZINTERSTORE dst 2 z1 z2"
      Then the reply is 2
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["b", "3", "c", "5"]

    @since_6_2
    Scenario: ZINTER replies the intersection without storing it
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b 2 c 3 d
        """
      When the client sends "ZINTER 2 z1 z2 WITHSCORES"
      Then the reply is ["b", "3", "c", "5"]

    @since_7_0
    Scenario: ZINTERCARD counts the intersection and stops at LIMIT
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b 2 c 3 d
        """
      Then "ZINTERCARD 2 z1 z2" replies 2
      And "ZINTERCARD 2 z1 z2 LIMIT 1" replies 1

    @since_6_2
    Scenario: ZDIFFSTORE keeps the members of the first set found in no other
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b
        """
      When the client sends "ZDIFFSTORE dst 2 z1 z2"
      Then the reply is 2
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["a", "1", "c", "3"]

    @since_6_2
    Scenario: ZDIFF replies the difference without storing it
      Given the client has sent:
        """
        ZADD z1 1 a 2 b 3 c
        ZADD z2 1 b
        """
      When the client sends "ZDIFF 2 z1 z2"
      Then the reply is ["a", "c"]

    Scenario: ZUNIONSTORE refuses WITHSCORES
      Given the client has sent "ZADD z1 1 a"
      When the client sends "ZUNIONSTORE dst 1 z1 WITHSCORES"
      Then the reply is an error saying "ERR syntax error"

    # Since 7.0 the message quotes the command's name as other errors do (redis/redis#10127).
    @since_7_0
    Scenario: ZUNIONSTORE refuses a numkeys of 0
      When the client sends "ZUNIONSTORE dst 0 z1"
      Then the reply is an error saying "ERR at least 1 input key is needed for 'zunionstore' command"

    @before_7_0
    Scenario: Before 7.0 ZUNIONSTORE refuses a numkeys of 0 by an error naming the command unquoted
      When the client sends "ZUNIONSTORE dst 0 z1"
      Then the reply is an error saying "ERR at least 1 input key is needed for zunionstore"

  Rule: ZPOPMIN and ZPOPMAX pop from the ends; the blocking forms reply at once when there are members

    Scenario: ZPOPMIN and ZPOPMAX pop the lowest and the highest scores
      Given the client has sent "ZADD z 1 a 2 b 3 c"
      Then "ZPOPMIN z" replies ["a", "1"]
      And "ZPOPMAX z" replies ["c", "3"]
      And "ZPOPMIN missing" replies []

    Scenario: ZPOPMIN with a count pops that many, lowest first
      Given the client has sent "ZADD z 1 a 2 b 3 c"
      When the client sends "ZPOPMIN z 2"
      Then the reply is ["a", "1", "b", "2"]

    Scenario: BZPOPMIN pops at once from a sorted set that has members
      Given the client has sent "ZADD z 1 a 2 b"
      When the client sends "BZPOPMIN z 1"
      Then the reply is ["z", "a", "1"]

    Scenario: BZPOPMIN skips empty or missing keys
      Given the client has sent "ZADD z2 1 a"
      When the client sends "BZPOPMAX z1 z2 1"
      Then the reply is ["z2", "a", "1"]

    @since_7_0
    Scenario: ZPOPMIN and ZMPOP on a key of another type fail with WRONGTYPE
      Given the client has sent "SET k x"
      Then "ZPOPMIN k" replies an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "ZMPOP 1 k MIN" replies an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    @since_7_0
    Scenario: ZMPOP refuses a numkeys of 0 and a COUNT of 0
      When the client sends "ZMPOP 0 z MIN"
      Then the reply is an error saying "ERR numkeys should be greater than 0"
      And "ZMPOP 1 z MIN COUNT 0" replies an error saying "ERR count should be greater than 0"

  Rule: ZRANGESTORE and ZRANDMEMBER read a range into a key, or random members

    @since_6_2
    Scenario: ZRANGESTORE writes a range into a new key and replies its size
      Given the client has sent "ZADD z 1 a 2 b 3 c 4 d"
      When the client sends "ZRANGESTORE dst z 0 1"
      Then the reply is 2
      And "ZRANGE dst 0 -1 WITHSCORES" replies ["a", "1", "b", "2"]

    @since_6_2
    Scenario: ZRANGESTORE of a missing key deletes the destination
      Given the client has sent "ZADD dst 1 old"
      When the client sends "ZRANGESTORE dst missing 0 -1"
      Then the reply is 0
      And "EXISTS dst" replies 0

    @since_6_2
    Scenario: ZRANDMEMBER replies a member, and with a count distinct members at most all
      Given the client has sent "ZADD z 1 a 2 b"
      Then "ZRANDMEMBER z 10" replies in any order ["a", "b"]
      And "ZRANGE z 0 -1" replies ["a", "b"]

    @since_6_2
    Scenario: ZRANDMEMBER with a count of 0 or on a missing key replies an empty array
      Given the client has sent "ZADD z 1 a"
      Then "ZRANDMEMBER z 0" replies []
      And "ZRANDMEMBER missing 5" replies []
