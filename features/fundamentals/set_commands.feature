Feature: Set commands: members, algebra, random picks and moves
  A set holds distinct strings without order. Besides adding and removing members, Redis
  combines sets on the server (SINTER, SUNION, SDIFF, their STORE forms, and SINTERCARD which
  only counts), picks random members (SRANDMEMBER, SPOP) and moves a member from one set to
  another atomically (SMOVE). A missing key is an empty set everywhere; a key of another type is
  an error. The facts follow redis/redis `tests/unit/type/set.tcl` and the command pages on redis.io.

  Rule: Members are added, read and removed; the set goes with its last member

    Scenario: SISMEMBER and SMEMBERS read the members of a set
      Given the client has sent "SADD s a b"
      Then "SISMEMBER s a" replies 1
      And "SISMEMBER s z" replies 0
      And "SMEMBERS s" replies in any order ["a", "b"]

    Scenario: SMEMBERS of a missing key is an empty set
      When the client sends "SMEMBERS s"
      Then the reply is []

    Scenario Outline: A set command on a string fails with WRONGTYPE
      Given the client has sent "SET k x"
      When the client sends "<command>"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

      Examples:
        | command          |
        | SADD k a         |
        | SMEMBERS k       |
        | SCARD k          |
        | SMISMEMBER k a   |

    Scenario: SMISMEMBER needs at least one member
      When the client sends "SMISMEMBER s"
      Then the reply is an error saying "ERR wrong number of arguments for 'smismember' command"

    Scenario: SADD with several members counts the new ones
      Given the client has sent "SADD s a"
      When the client sends "SADD s a b c"
      Then the reply is 2

    Scenario: SREM replies 1 for a member it removed and 0 otherwise
      Given the client has sent "SADD s a b"
      Then "SREM s a" replies 1
      And "SREM s a" replies 0

    Scenario: SREM with several members counts the ones it removed
      Given the client has sent "SADD s a b c"
      When the client sends "SREM s a b z"
      Then the reply is 2
      And "SMEMBERS s" replies ["c"]

  Rule: SINTER, SUNION and SDIFF combine sets, treating a missing key as an empty set

    Scenario: SINTER replies the members found in every set
      Given the client has sent:
        """
        SADD s1 a b c d
        SADD s2 b c d e
        SADD s3 c d f
        """
      Then "SINTER s1 s2" replies in any order ["b", "c", "d"]
      And "SINTER s1 s2 s3" replies in any order ["c", "d"]

    @since_7_0
    Scenario: SINTERCARD counts the intersection and stops at LIMIT
      Given the client has sent:
        """
        SADD s1 a b c d
        SADD s2 b c d e
        """
      Then "SINTERCARD 2 s1 s2" replies 3
      And "SINTERCARD 2 s1 s2 LIMIT 2" replies 2
      And "SINTERCARD 2 s1 s2 LIMIT 0" replies 3

    @since_7_0
    Scenario: SINTERCARD refuses a numkeys of 0 and a negative LIMIT
      When the client sends "SINTERCARD 0 s"
      Then the reply is an error saying "ERR numkeys should be greater than 0"
      And "SINTERCARD 1 s LIMIT -1" replies an error saying "ERR LIMIT can't be negative"

    @since_7_0
    Scenario: SINTERCARD on a key of another type fails with WRONGTYPE
      Given the client has sent:
        """
        SADD s1 a
        SET k x
        """
      When the client sends "SINTERCARD 2 s1 k"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    @since_7_0
    Scenario: SINTERCARD with a missing key counts 0
      Given the client has sent "SADD s1 a"
      When the client sends "SINTERCARD 2 s1 missing"
      Then the reply is 0

    Scenario: SINTERSTORE writes the intersection and replies its size
      Given the client has sent:
        """
        SADD s1 a b c
        SADD s2 b c d
        """
      When the client sends "SINTERSTORE dst s1 s2"
      Then the reply is 2
      And "SMEMBERS dst" replies in any order ["b", "c"]

    Scenario: SUNION replies the members of any set
      Given the client has sent:
        """
        SADD s1 a b
        SADD s2 b c
        """
      When the client sends "SUNION s1 s2"
      Then the reply in any order is ["a", "b", "c"]

    Scenario: SUNIONSTORE writes the union and replies its size
      Given the client has sent:
        """
        SADD s1 a b
        SADD s2 b c
        """
      When the client sends "SUNIONSTORE dst s1 s2"
      Then the reply is 3
      And "SMEMBERS dst" replies in any order ["a", "b", "c"]

    Scenario: SUNION with a missing key treats it as an empty set
      Given the client has sent "SADD s1 a b"
      When the client sends "SUNION s1 missing"
      Then the reply in any order is ["a", "b"]

    Scenario: SDIFF replies the members of the first set that are in none of the others
      Given the client has sent:
        """
        SADD s1 a b c d
        SADD s2 b
        SADD s3 c z
        """
      Then "SDIFF s1 s2" replies in any order ["a", "c", "d"]
      And "SDIFF s1 s2 s3" replies in any order ["a", "d"]

    Scenario: SDIFFSTORE writes the difference and replies its size
      Given the client has sent:
        """
        SADD s1 a b c
        SADD s2 b
        """
      When the client sends "SDIFFSTORE dst s1 s2"
      Then the reply is 2
      And "SMEMBERS dst" replies in any order ["a", "c"]

    Scenario: SINTER, SUNION and SDIFF of a set with itself
      Given the client has sent "SADD s a b"
      Then "SINTER s s" replies in any order ["a", "b"]
      And "SUNION s s" replies in any order ["a", "b"]
      And "SDIFF s s" replies []

    Scenario: SDIFF with a missing first key is empty
      Given the client has sent "SADD s2 a"
      When the client sends "SDIFF missing s2"
      Then the reply is []

    Scenario: SDIFF with a missing key treats it as an empty set
      Given the client has sent "SADD s1 a b"
      When the client sends "SDIFF s1 missing"
      Then the reply in any order is ["a", "b"]

    Scenario: SINTER with a missing key is empty
      Given the client has sent "SADD s1 a b"
      When the client sends "SINTER s1 missing"
      Then the reply is []

    Scenario Outline: SINTER, SUNION and SDIFF on a key of another type fail with WRONGTYPE
      Given the client has sent:
        """
        SADD s1 a
        SET k x
        """
      When the client sends "<command> s1 k"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

      Examples:
        | command |
        | SINTER  |
        | SUNION  |
        | SDIFF   |

    Scenario Outline: SINTERSTORE, SUNIONSTORE and SDIFFSTORE with a source of another type fail and keep the destination
      Given the client has sent:
        """
        SADD s1 a
        SET k x
        SADD dst old
        """
      When the client sends "<command> dst s1 k"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "SMEMBERS dst" replies ["old"]

      Examples:
        | command     |
        | SINTERSTORE |
        | SUNIONSTORE |
        | SDIFFSTORE  |

    Scenario Outline: An empty result makes SINTERSTORE, SUNIONSTORE and SDIFFSTORE delete the destination
      Given the client has sent "SADD dst old"
      When the client sends "<command> dst missing1 missing2"
      Then the reply is 0
      And "EXISTS dst" replies 0

      Examples:
        | command     |
        | SINTERSTORE |
        | SUNIONSTORE |
        | SDIFFSTORE  |

  Rule: SPOP and SRANDMEMBER pick random members; SPOP removes them

    Scenario: SPOP removes and replies a random member, and nil on a missing key
      Given the client has sent "SADD s a"
      Then "SPOP s" replies "a"
      And "EXISTS s" replies 0
      And "SPOP s" replies nil

    Scenario: SPOP with a count replies that many distinct members, at most all
      Given the client has sent:
        """
        SADD s1 a
        SADD s3 a b c
        """
      Then "SPOP s1 1" replies ["a"]
      And "SPOP s3 10" replies in any order ["a", "b", "c"]
      And "EXISTS s1 s3" replies 0

    Scenario: SRANDMEMBER replies a member without removing it
      Given the client has sent "SADD s a"
      When the client sends "SRANDMEMBER s"
      Then the reply is "a"
      And "SCARD s" replies 1

    Scenario: SRANDMEMBER with a count of 0 or on a missing key replies an empty array
      Given the client has sent "SADD s a"
      Then "SRANDMEMBER s 0" replies []
      And "SRANDMEMBER missing 5" replies []

    Scenario: SRANDMEMBER with a positive count replies distinct members, a negative count may repeat them
      Given the client has sent:
        """
        SADD s a b
        SADD one a
        """
      Then "SRANDMEMBER s 10" replies in any order ["a", "b"]
      And "SRANDMEMBER one -3" replies ["a", "a", "a"]

  Rule: SMOVE moves one member atomically

    Scenario: SMOVE moves a member and replies 1
      Given the client has sent:
        """
        SADD src a b
        SADD dst c
        """
      When the client sends "SMOVE src dst a"
      Then the reply is 1
      And "SMEMBERS src" replies ["b"]
      And "SMEMBERS dst" replies in any order ["a", "c"]

    Scenario: SMOVE of a member that is not in the source replies 0
      Given the client has sent "SADD src a"
      When the client sends "SMOVE src dst z"
      Then the reply is 0
      And "EXISTS dst" replies 0

    Scenario: SMOVE from a missing source replies 0
      When the client sends "SMOVE src dst a"
      Then the reply is 0

    Scenario: SMOVE to a missing destination creates it
      Given the client has sent "SADD src a"
      When the client sends "SMOVE src dst a"
      Then the reply is 1
      And "SMEMBERS dst" replies ["a"]
      And "EXISTS src" replies 0

    Scenario: SMOVE with a source or destination of another type fails with WRONGTYPE
      Given the client has sent:
        """
        SADD s a
        SET k x
        """
      Then "SMOVE k s a" replies an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "SMOVE s k a" replies an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: SMOVE with the same source and destination replies 1 if the member is there
      Given the client has sent "SADD s a"
      Then "SMOVE s s a" replies 1
      And "SMOVE s s z" replies 0
      And "SMEMBERS s" replies ["a"]
