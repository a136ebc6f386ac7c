Feature: The expire commands at their edges: units, absolute times, options and overflow
  Redis can give a key a time to live in seconds (EXPIRE, SETEX), in milliseconds (PEXPIRE,
  PSETEX), or as an absolute Unix time (EXPIREAT, PEXPIREAT), and read it back in either unit
  (TTL, PTTL). Since 7.0 EXPIRE takes NX, XX, GT and LT. This file states the replies for every
  unit, for conflicting or unknown options, and for values so large that the deadline would
  overflow. The facts follow redis/redis `tests/unit/expire.tcl` and the EXPIRE page on redis.io.

  Rule: Every unit and every absolute form arms the same kind of TTL

    @since_7_0
    Scenario: EXPIREAT sets a deadline as a Unix time in seconds
      Given the client has sent "SET k v"
      When the client sends "EXPIREAT k 4102444800"
      Then the reply is 1
      And "EXPIRETIME k" replies 4102444800

    @since_7_0
    Scenario: PEXPIREAT sets a deadline as a Unix time in milliseconds
      Given the client has sent "SET k v"
      When the client sends "PEXPIREAT k 4102444800123"
      Then the reply is 1
      And "PEXPIRETIME k" replies 4102444800123

    Scenario: PEXPIRE counts in milliseconds
      Given the client has sent "SET k v"
      When the client sends "PEXPIRE k 100"
      Then the reply is 1
      And "PTTL k" replies a number from 1 to 100
      And within 2 seconds "EXISTS k" replies 0

    Scenario: PSETEX writes the value with a TTL in milliseconds
      When the client sends "PSETEX k 100 v"
      Then the reply is "OK"
      And "PTTL k" replies a number from 1 to 100
      And within 2 seconds "EXISTS k" replies 0

    Scenario: PTTL reports the time left in milliseconds
      Given the client has sent "SET k v EX 100"
      When the client sends "PTTL k"
      Then the reply is a number from 99000 to 100000

    Scenario: SETEX over an existing key replaces its value and TTL
      Given the client has sent "SET k old"
      When the client sends "SETEX k 100 new"
      Then the reply is "OK"
      And "GET k" replies "new"
      And "TTL k" replies a number from 99 to 100

    Scenario: A key written with SETEX is gone when its TTL runs out
      Given the client has sent "SETEX k 1 v"
      Then within 3 seconds "EXISTS k" replies 0
      And "GET k" replies nil

    Scenario: Keys with TTLs all expire, and the keyspace is empty again
      Given the client has sent:
        """
        SET k1 a PX 50
        SET k2 b PX 50
        SET k3 c PX 50
        SET k4 d PX 50
        SET k5 e PX 50
        """
      Then within 2 seconds "EXISTS k1 k2 k3 k4 k5" replies 0

  Rule: EXPIRE … LT only shortens; NX cannot be combined with GT, LT or XX

    @since_7_0
    Scenario: EXPIRE … LT only shortens a TTL
      Given the client has sent "SET k v EX 100"
      Then "EXPIRE k 200 LT" replies 0
      And "EXPIRE k 50 LT" replies 1
      And "TTL k" replies a number from 49 to 50

    @since_7_0
    Scenario: EXPIRE … LT XX shortens an existing TTL and never sets one on a key without
      Given the client has sent:
        """
        SET volatile v EX 100
        SET plain v
        """
      Then "EXPIRE volatile 50 LT XX" replies 1
      And "EXPIRE plain 50 LT XX" replies 0
      And "TTL plain" replies -1

    @since_7_0
    Scenario: EXPIRE refuses NX together with LT or XX
      Given the client has sent "SET k v"
      Then "EXPIRE k 100 NX LT" replies an error saying "ERR NX and XX, GT or LT options at the same time are not compatible"
      And "EXPIRE k 100 NX XX" replies an error saying "ERR NX and XX, GT or LT options at the same time are not compatible"

    @since_7_0
    Scenario: EXPIRE refuses an unknown option
      Given the client has sent "SET k v"
      When the client sends "EXPIRE k 100 AB"
      Then the reply is an error saying "ERR Unsupported option AB"

  Rule: A TTL that is not a number, or whose deadline would overflow, is refused

    Scenario: EXPIRE refuses an empty string as TTL
      Given the client has sent "SET k v"
      When the client sends "EXPIRE k ''"
      Then the reply is an error saying "ERR value is not an integer or out of range"
      And "TTL k" replies -1

    @since_7_0
    Scenario: SET … EX refuses the smallest 64-bit integer as TTL
      When the client sends "SET k v EX -9223372036854775808"
      Then the reply is an error saying "ERR invalid expire time in 'set' command"
      And "EXISTS k" replies 0

    @since_7_0
    Scenario: GETEX refuses a TTL so large that the deadline would overflow
      Given the client has sent "SET k v"
      When the client sends "GETEX k EX 10000000000000000"
      Then the reply is an error saying "ERR invalid expire time in 'getex' command"

    @since_7_0
    Scenario: GETEX refuses the smallest 64-bit integer as TTL
      Given the client has sent "SET k v"
      When the client sends "GETEX k EX -9223372036854775808"
      Then the reply is an error saying "ERR invalid expire time in 'getex' command"

    @since_7_0
    Scenario: EXPIRE refuses a TTL that overflows when converted to milliseconds
      Given the client has sent "SET k v"
      When the client sends "EXPIRE k 9223370399119966"
      Then the reply is an error saying "ERR invalid expire time in 'expire' command"
      And "TTL k" replies -1

    @since_7_0
    Scenario: PEXPIRE refuses a TTL that overflows when the current time is added
      Given the client has sent "SET k v"
      When the client sends "PEXPIRE k 9223372036854770000"
      Then the reply is an error saying "ERR invalid expire time in 'pexpire' command"

    @since_7_0
    Scenario: EXPIRE with a huge negative TTL deletes the key or is refused, never wraps around
      Given the client has sent "SET k v"
      Then "EXPIRE k -9223372036854775808" replies an error saying "ERR invalid expire time in 'expire' command"
      And "EXPIRE k -9999999999" replies 1
      And "EXISTS k" replies 0

    @since_7_0
    Scenario: PEXPIREAT accepts a deadline far in the future
      Given the client has sent "SET k v"
      When the client sends "PEXPIREAT k 9223372036854770000"
      Then the reply is 1
      And "PEXPIRETIME k" replies 9223372036854770000

    Scenario: PEXPIREAT with a huge negative deadline deletes the key
      Given the client has sent "SET k v"
      When the client sends "PEXPIREAT k -9223372036854770000"
      Then the reply is 1
      And "EXISTS k" replies 0
