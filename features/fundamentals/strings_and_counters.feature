Feature: Strings as atomic counters
  A Redis string that holds a base-10 integer is a counter: INCR, INCRBY, DECR and DECRBY change it
  on the server, atomically, so concurrent clients never lose an update the way a
  read-modify-write in the application would. This file shows what counts as an integer,
  what happens at the edges of the 64-bit range, and why INCRBYFLOAT is a different animal.

  Rule: A counter starts from zero and only ever holds a canonical 64-bit integer

    Scenario: INCR on a missing key treats it as zero, creates it and returns 1
      When the client sends "INCR page:views"
      Then the reply is 1
      And "GET page:views" replies "1"

    Scenario: DECR on a missing key also starts from zero and goes negative
      When the client sends "DECR stock"
      Then the reply is -1

    Scenario: INCR is refused on a value with a leading space, and the value is left unchanged
      Given the client has sent "SET n ' 11'"
      When the client sends "INCR n"
      Then the reply is an error saying "ERR value is not an integer or out of range"
      And "GET n" replies " 11"

    Scenario Outline: INCR accepts only canonical base-10 integers
      Given the client has sent "SET n <stored>"
      When the client sends "INCR n"
      Then the reply is an error saying "ERR value is not an integer or out of range"

      Examples:
        | stored |
        | +5     |
        | 007    |
        | 1e3    |
        | 0x10   |
        | 10.1   |

    Scenario: Incrementing past the largest 64-bit integer is an error and the value is unchanged
      Given the client has sent "SET n 9223372036854775807"
      When the client sends "INCR n"
      Then the reply is an error saying "ERR increment or decrement would overflow"
      And "GET n" replies "9223372036854775807"

    Scenario: INCRBY needs an integer increment
      When the client sends "INCRBY n 1.5"
      Then the reply is an error saying "ERR value is not an integer or out of range"

    Scenario: A counter command on a list fails with WRONGTYPE
      Given the client has sent "RPUSH l 1"
      When the client sends "INCR l"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

  Rule: INCRBYFLOAT works in long double precision and replies with a string

    Scenario: INCRBYFLOAT removes trailing zeros, so an integral result has no ".0"
      Given the client has sent "SET f 1.0"
      When the client sends "INCRBYFLOAT f 0"
      Then the reply is "1"

    Scenario: Adding 0.1 three times with INCRBYFLOAT reads "0.3", because each step stores a rounded string
      # Each result is a long double printed with "%.17Lf" (17 digits after the point, trailing
      # zeros trimmed: ld2string, LD_STR_HUMAN, in redis/redis src/util.c) and parsed again by the
      # next INCRBYFLOAT, so the binary error of 0.1 never accumulates past the 17th decimal.
      Given the client has sent:
        """
        INCRBYFLOAT f 0.1
        INCRBYFLOAT f 0.1
        """
      When the client sends "INCRBYFLOAT f 0.1"
      Then the reply is "0.3"

    Scenario: INCRBYFLOAT refuses a result that would be infinite
      Given the client has sent "SET f 0"
      When the client sends "INCRBYFLOAT f +inf"
      Then the reply is an error saying "ERR increment would produce NaN or Infinity"
