Feature: Hash commands: fields read, written, counted and deleted
  A hash maps field names to string values under one key, which is how an object is usually
  stored. Beyond HSET and HGET, Redis sets a field only if absent (HSETNX), reads the fields and
  values (HKEYS, HVALS, HGETALL), measures a value (HSTRLEN), picks random fields (HRANDFIELD) and
  keeps integer and float counters in fields (HINCRBY, HINCRBYFLOAT). A hash whose last field is
  deleted is deleted itself. The facts follow redis/redis `tests/unit/type/hash.tcl` and the
  command pages on redis.io.

  Rule: Fields are written and read one by one

    Scenario: HLEN counts the fields of a hash
      Given the client has sent "HSET h a 1 b 2 c 3"
      When the client sends "HLEN h"
      Then the reply is 3

    Scenario: HGET reads one field, and nil for a missing field
      Given the client has sent "HSET h a 1"
      Then "HGET h a" replies "1"
      And "HGET h nofield" replies nil

    Scenario: HGET on a missing key reads nil
      When the client sends "HGET h a"
      Then the reply is nil

    Scenario: HSETNX sets a field that is missing and replies 1
      Given the client has sent "HSET h a 1"
      When the client sends "HSETNX h b 2"
      Then the reply is 1
      And "HGET h b" replies "2"

    Scenario: HSETNX leaves an existing field alone and replies 0
      Given the client has sent "HSET h a 1"
      When the client sends "HSETNX h a 2"
      Then the reply is 0
      And "HGET h a" replies "1"

    Scenario: HMSET writes several fields and replies OK
      When the client sends "HMSET h a 1 b 2"
      Then the reply is "OK"
      And "HMGET h a b" replies ["1", "2"]

    Scenario: HMSET with a field but no value is rejected as a whole
      When the client sends "HMSET h a 1 b"
      Then the reply is an error saying "ERR wrong number of arguments for 'hmset' command"
      And "EXISTS h" replies 0

    Scenario Outline: A hash command on a string fails with WRONGTYPE
      Given the client has sent "SET k x"
      When the client sends "<command>"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

      Examples:
        | command          |
        | HSET k a 1       |
        | HGET k a         |
        | HMGET k a        |
        | HGETALL k        |
        | HINCRBY k a 1    |
        | HRANDFIELD k     |

    Scenario: HKEYS and HVALS read the fields and the values in the same order
      Given the client has sent "HSET h a 1 b 2 c 3"
      Then "HKEYS h" replies in any order ["a", "b", "c"]
      And "HVALS h" replies in any order ["1", "2", "3"]

    Scenario: HGETALL reads fields and values as pairs
      Given the client has sent "HSET h a 1"
      When the client sends "HGETALL h"
      Then the reply is ["a", "1"]

  Rule: HDEL removes fields, and the hash goes with its last one

    Scenario: HDEL replies 1 for a field it removed and 0 for a missing one
      Given the client has sent "HSET h a 1 b 2"
      Then "HDEL h a" replies 1
      And "HDEL h a" replies 0
      And "HEXISTS h a" replies 0

    Scenario: HDEL with several fields counts the ones it removed
      Given the client has sent "HSET h a 1 b 2 c 3"
      When the client sends "HDEL h a b nofield"
      Then the reply is 2
      And "HKEYS h" replies ["c"]

    Scenario: HDEL of every field deletes the hash, even when more fields were asked
      Given the client has sent "HSET h a 1 b 2"
      When the client sends "HDEL h a b c"
      Then the reply is 2
      And "EXISTS h" replies 0

    Scenario: HEXISTS replies 1 for a field that exists and 0 otherwise
      Given the client has sent "HSET h a 1"
      Then "HEXISTS h a" replies 1
      And "HEXISTS h nofield" replies 0

  Rule: HSTRLEN measures a value in bytes

    Scenario: HSTRLEN replies the length of a field's value
      Given the client has sent "HSET h a hello n -123"
      Then "HSTRLEN h a" replies 5
      And "HSTRLEN h n" replies 4

    Scenario: HSTRLEN of a missing field is 0
      Given the client has sent "HSET h a 1"
      When the client sends "HSTRLEN h nofield"
      Then the reply is 0

  Rule: HRANDFIELD picks random fields, distinct for a positive count, repeatable for a negative one

    @since_6_2
    Scenario: HRANDFIELD without a count replies one field of the hash
      Given the client has sent "HSET h a 1"
      When the client sends "HRANDFIELD h"
      Then the reply is "a"

    @since_6_2
    Scenario: HRANDFIELD with a count of 0 replies an empty array
      Given the client has sent "HSET h a 1"
      When the client sends "HRANDFIELD h 0"
      Then the reply is []

    @since_6_2
    Scenario: HRANDFIELD with a count on a missing key replies an empty array
      When the client sends "HRANDFIELD h 5"
      Then the reply is []

    @since_6_2
    Scenario: HRANDFIELD with a positive count replies distinct fields, at most all of them
      Given the client has sent "HSET h a 1 b 2 c 3"
      When the client sends "HRANDFIELD h 10"
      Then the reply in any order is ["a", "b", "c"]

    @since_6_2
    Scenario: HRANDFIELD with a negative count may repeat fields and replies exactly that many
      Given the client has sent "HSET h a 1"
      When the client sends "HRANDFIELD h -3"
      Then the reply is ["a", "a", "a"]

  Rule: HINCRBY and HINCRBYFLOAT keep counters in fields

    Scenario: HINCRBY on a missing field of an existing hash starts from zero
      Given the client has sent "HSET h other 1"
      When the client sends "HINCRBY h n 2"
      Then the reply is 2

    Scenario: HINCRBY adds to the value HINCRBY wrote
      Given the client has sent "HINCRBY h n 2"
      When the client sends "HINCRBY h n 3"
      Then the reply is 5

    Scenario: HINCRBY works on a number written with HSET
      Given the client has sent "HSET h n 100"
      When the client sends "HINCRBY h n 2"
      Then the reply is 102

    Scenario: HINCRBY goes past 32 bits
      Given the client has sent "HSET h n 17179869184"
      Then "HINCRBY h n 1" replies 17179869185
      And "HINCRBY h n 17179869184" replies 34359738369

    Scenario Outline: HINCRBY refuses a field value with spaces around the number
      Given the client has sent "HSET h n <stored>"
      When the client sends "HINCRBY h n 1"
      Then the reply is an error saying "ERR hash value is not an integer"

      Examples:
        | stored |
        | ' 11'  |
        | '11 '  |

    Scenario: HINCRBYFLOAT creates the key and the field at zero
      When the client sends "HINCRBYFLOAT h f 1.5"
      Then the reply is "1.5"
      And "HGET h f" replies "1.5"

    Scenario: HINCRBYFLOAT adds to an integer field
      Given the client has sent "HSET h f 17"
      When the client sends "HINCRBYFLOAT h f 1.5"
      Then the reply is "18.5"

    Scenario: HINCRBYFLOAT goes past 32 bits
      Given the client has sent "HSET h f 17179869184"
      Then "HINCRBYFLOAT h f 1.5" replies "17179869185.5"
      And "HINCRBYFLOAT h f 17179869184" replies "34359738369.5"

    Scenario Outline: HINCRBYFLOAT refuses a field value with spaces around the number
      Given the client has sent "HSET h f <stored>"
      When the client sends "HINCRBYFLOAT h f 1"
      Then the reply is an error saying "ERR hash value is not a float"

      Examples:
        | stored |
        | ' 11'  |
        | '11 '  |

    Scenario: HINCRBYFLOAT refuses an increment that is not a number
      Given the client has sent "HSET h f 1"
      When the client sends "HINCRBYFLOAT h f v"
      Then the reply is an error saying "ERR value is not a valid float"

    Scenario: HINCRBYFLOAT replies the shortest decimal of the result
      Given the client has sent "HINCRBYFLOAT h f 1.23"
      Then "HINCRBYFLOAT h f 0.77" replies "2"
      And "HINCRBYFLOAT h f -0.1" replies "1.9"

    Scenario: HINCRBYFLOAT refuses an infinite increment
      Given the client has sent "HSET h f 0"
      When the client sends "HINCRBYFLOAT h f +inf"
      Then the reply is an error saying "ERR value is NaN or Infinity"
      And "HGET h f" replies "0"
