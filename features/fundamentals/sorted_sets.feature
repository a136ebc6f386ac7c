Feature: Sorted sets rank things by a score
  A sorted set maps members to floating-point scores and keeps them ordered, which makes it the
  tool for rankings ("trending by views"), ranges ("products between 10 and 50") and leaderboards.
  This file shows what ZADD reports and how its options combine, how members with equal scores
  are ordered, and where IEEE doubles surprise people.

  Rule: ZADD reports new members, or changed ones with CH, and its options decide what may change

    Scenario: ZADD counts only new members
      Given the client has sent "ZADD rank 1 lamp"
      When the client sends "ZADD rank 5 lamp 2 desk"
      Then the reply is 1

    Scenario: ZADD CH also counts members whose score changed
      Given the client has sent "ZADD rank 1 lamp"
      When the client sends "ZADD rank CH 5 lamp 2 desk"
      Then the reply is 2

    Scenario: ZADD CH with the same score counts nothing as changed
      Given the client has sent "ZADD rank 1 lamp"
      When the client sends "ZADD rank CH 1 lamp"
      Then the reply is 0

    @since_6_2
    Scenario: ZADD GT only raises scores and, with XX, never adds members
      Given the client has sent "ZADD rank 10 lamp"
      When the client sends "ZADD rank GT XX CH 5 lamp 11 desk"
      Then the reply is 0
      And "ZRANGE rank 0 -1 WITHSCORES" replies ["lamp", "10"]

    Scenario: ZADD with both NX and XX is rejected
      When the client sends "ZADD rank NX XX 1 lamp"
      Then the reply is an error saying "ERR XX and NX options at the same time are not compatible"

    @since_6_2
    Scenario: ZADD with both GT and LT is rejected
      When the client sends "ZADD rank GT LT 1 lamp"
      Then the reply is an error saying "ERR GT, LT, and/or NX options at the same time are not compatible"

    Scenario: ZADD INCR returns the new score, like ZINCRBY
      Given the client has sent "ZADD rank 10 lamp"
      When the client sends "ZADD rank INCR 5 lamp"
      Then the reply is "15"

    Scenario: ZADD XX INCR on a missing member changes nothing and reads nil
      When the client sends "ZADD rank XX INCR 1 lamp"
      Then the reply is nil
      And "EXISTS rank" replies 0

  Rule: Members with equal scores are ordered by their bytes

    Scenario: Equal scores order members byte by byte, so upper case comes before lower case
      Given the client has sent "ZADD rank 1 b 1 a 1 B"
      When the client sends "ZRANGE rank 0 -1"
      Then the reply is ["B", "a", "b"]

    @since_6_2
    Scenario: REV reverses the tie-break too, so the member that sorts last comes first
      Given the client has sent "ZADD rank 1 b 1 a 1 B 2 z"
      When the client sends "ZRANGE rank 0 -1 REV"
      Then the reply is ["z", "b", "a", "B"]

  Rule: Range queries by score take their bounds in the direction of the reading

    @since_6_2
    Scenario: ZRANGE BYSCORE REV takes the maximum first
      Given the client has sent "ZADD price 0 z 1 a 1 b 1 c"
      When the client sends "ZRANGE price +inf (0 BYSCORE REV LIMIT 0 2"
      Then the reply is ["c", "b"]

    @since_6_2
    Scenario: ZRANGE BYSCORE REV with the bounds in increasing order silently reads nothing
      Given the client has sent "ZADD price 0 z 1 a 1 b 1 c"
      When the client sends "ZRANGE price 0 +inf BYSCORE REV"
      Then the reply is []

    @since_6_2
    Scenario: LIMIT on an index range is rejected, because it needs BYSCORE or BYLEX
      Given the client has sent "ZADD price 1 a"
      When the client sends "ZRANGE price 0 -1 LIMIT 0 1"
      Then the reply is an error saying "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"

    Scenario: A negative LIMIT count means all remaining members
      Given the client has sent "ZADD price 0 z 1 a 1 b 1 c"
      When the client sends "ZRANGEBYSCORE price -inf +inf LIMIT 1 -1"
      Then the reply is ["a", "b", "c"]

  Rule: Scores are IEEE doubles

    Scenario: An integer above 2^53 loses precision as a score
      Given the client has sent "ZADD big 9007199254740993 m"
      When the client sends "ZSCORE big m"
      Then the reply is "9007199254740992"

    Scenario: ZINCRBY by 0.1 three times shows the binary rounding error
      Given the client has sent:
        """
        ZINCRBY rank 0.1 m
        ZINCRBY rank 0.1 m
        """
      When the client sends "ZINCRBY rank 0.1 m"
      Then the reply is "0.30000000000000004"

    # RESP2 sends a score as a bulk string, RESP3 as a double (",0.10000000000000001"); both carry
    # the same text in every version, and the steps compare that text under either protocol.
    @before_7_2
    Scenario: Up to 7.0 a score of 0.1 is sent as 17 significant digits, as a RESP2 string and a RESP3 double
      Given the client has sent "ZADD rank 0.1 m"
      When the client sends "ZSCORE rank m"
      Then the reply is "0.10000000000000001"

    @since_7_2
    Scenario: From 7.2 a score of 0.1 is sent in its shortest round-trip form
      Given the client has sent "ZADD rank 0.1 m"
      When the client sends "ZSCORE rank m"
      Then the reply is "0.1"

    Scenario: NaN is never accepted as a score
      When the client sends "ZADD rank nan m"
      Then the reply is an error saying "ERR value is not a valid float"

    Scenario: ZINCRBY that would produce NaN is refused
      Given the client has sent "ZINCRBY rank +inf m"
      When the client sends "ZINCRBY rank -inf m"
      Then the reply is an error saying "ERR resulting score is not a number (NaN)"
