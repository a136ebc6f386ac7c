Feature: String commands: reading, writing, bits and ranges
  A Redis string is a byte array of up to 512 MB. Most applications only SET and GET it, but
  the same value can be written only if absent (SETNX, SET … NX), read several at a time (MGET),
  edited in place by byte range (SETRANGE, GETRANGE) or by bit (SETBIT, GETBIT), and compared
  with another string (LCS). This file states what each of those commands replies at the edges:
  a missing key, a key of another type, an offset out of range. The facts follow the tests of
  redis/redis `tests/unit/type/string.tcl` and `tests/unit/type/incr.tcl`, and the command pages
  on redis.io.

  Rule: SET stores any bytes and GET reads them back; a missing key reads nil

    Scenario: GET returns exactly the value SET stored
      Given the client has sent "SET x foobar"
      When the client sends "GET x"
      Then the reply is "foobar"

    Scenario: An empty string is a value like any other, distinct from a missing key
      Given the client has sent "SET x ''"
      When the client sends "GET x"
      Then the reply is ""
      And "EXISTS x" replies 1

  Rule: SETNX and SET … NX write only when the key is absent; SET … XX only when it exists

    Scenario: SETNX creates a missing key and replies 1
      When the client sends "SETNX x foobared"
      Then the reply is 1
      And "GET x" replies "foobared"

    Scenario: SETNX leaves an existing key alone and replies 0
      Given the client has sent "SET x foobar"
      When the client sends "SETNX x blabla"
      Then the reply is 0
      And "GET x" replies "foobar"

    Scenario: SETNX counts a key with a TTL that has not expired yet as existing
      Given the client has sent "SET x foo EX 100"
      When the client sends "SETNX x bar"
      Then the reply is 0
      And "GET x" replies "foo"

    Scenario: SETNX writes over a key whose TTL has run out
      Given the client has sent "SET x foo PX 1"
      Then within 2 seconds "EXISTS x" replies 0
      And "SETNX x bar" replies 1
      And "GET x" replies "bar"

    Scenario: SET … NX writes a missing key and replies OK, and replies nil when the key exists
      Given the client has sent "SET x foo NX"
      When the client sends "SET x bar NX"
      Then the reply is nil
      And "GET x" replies "foo"

    Scenario: SET … XX replies nil on a missing key and writes nothing
      When the client sends "SET x foo XX"
      Then the reply is nil
      And "EXISTS x" replies 0

    Scenario: SET … XX overwrites an existing key
      Given the client has sent "SET x foo"
      When the client sends "SET x bar XX"
      Then the reply is "OK"
      And "GET x" replies "bar"

    Scenario: SET with an unknown option is a syntax error and writes nothing
      When the client sends "SET x bar non-existing-option"
      Then the reply is an error saying "ERR syntax error"
      And "EXISTS x" replies 0

    Scenario: SET accepts several options at once, such as XX with PX
      Given the client has sent "SET x foo"
      When the client sends "SET x bar XX PX 10000"
      Then the reply is "OK"
      And "PTTL x" replies a number from 9000 to 10000
      And "GET x" replies "bar"

  Rule: SET … GET returns what was there before the write

    @since_6_2
    Scenario: SET … GET on a missing key replies nil and writes the value
      When the client sends "SET x bar GET"
      Then the reply is nil
      And "GET x" replies "bar"

    @since_6_2
    Scenario: SET … XX GET writes over an existing key and replies its old value
      Given the client has sent "SET x foo"
      When the client sends "SET x bar XX GET"
      Then the reply is "foo"
      And "GET x" replies "bar"

    @since_6_2
    Scenario: SET … XX GET on a missing key replies nil and writes nothing
      When the client sends "SET x bar XX GET"
      Then the reply is nil
      And "EXISTS x" replies 0

    @since_7_0
    Scenario: SET … NX GET on a missing key writes the value and replies nil
      When the client sends "SET x bar NX GET"
      Then the reply is nil
      And "GET x" replies "bar"

    @since_7_0
    Scenario: SET … NX GET on an existing key replies the value and does not write
      Given the client has sent "SET x foo"
      When the client sends "SET x bar NX GET"
      Then the reply is "foo"
      And "GET x" replies "foo"

  Rule: SET can arm a TTL in seconds, milliseconds, or as an absolute Unix time

    Scenario: SET … EX stores the value with a TTL in seconds
      When the client sends "SET x bar EX 100"
      Then the reply is "OK"
      And "TTL x" replies a number from 99 to 100

    @since_7_0
    Scenario: SET … EXAT stores the value with an absolute deadline in seconds
      When the client sends "SET x bar EXAT 4102444800"
      Then the reply is "OK"
      And "EXPIRETIME x" replies 4102444800

    @since_7_0
    Scenario: SET … PXAT stores the value with an absolute deadline in milliseconds
      When the client sends "SET x bar PXAT 4102444800123"
      Then the reply is "OK"
      And "PEXPIRETIME x" replies 4102444800123

  Rule: GETEX reads a value and changes its TTL in the same command

    @since_6_2
    Scenario: GETEX … PX sets a TTL in milliseconds
      Given the client has sent "SET x bar"
      When the client sends "GETEX x PX 10000"
      Then the reply is "bar"
      And "PTTL x" replies a number from 9000 to 10000

    @since_7_0
    Scenario: GETEX … EXAT sets an absolute deadline in seconds
      Given the client has sent "SET x bar"
      When the client sends "GETEX x EXAT 4102444800"
      Then the reply is "bar"
      And "EXPIRETIME x" replies 4102444800

    @since_7_0
    Scenario: GETEX … PXAT sets an absolute deadline in milliseconds
      Given the client has sent "SET x bar"
      When the client sends "GETEX x PXAT 4102444800123"
      Then the reply is "bar"
      And "PEXPIRETIME x" replies 4102444800123

    @since_6_2
    Scenario: GETEX with an unknown option is a syntax error
      Given the client has sent "SET x bar"
      When the client sends "GETEX x non-existent-option"
      Then the reply is an error saying "ERR syntax error"

    @since_6_2
    Scenario: GETEX without a key is a wrong number of arguments
      When the client sends "GETEX"
      Then the reply is an error saying "ERR wrong number of arguments for 'getex' command"

  Rule: GETDEL and GETSET read the value they replace

    @since_6_2
    Scenario: GETDEL replies the value and deletes the key, and replies nil once it is gone
      Given the client has sent "SET x bar"
      When the client sends "GETDEL x"
      Then the reply is "bar"
      And "GETDEL x" replies nil
      And "EXISTS x" replies 0

    Scenario: GETSET on a missing key replies nil and sets the value
      When the client sends "GETSET x xyz"
      Then the reply is nil
      And "GET x" replies "xyz"

  Rule: MGET and MSET read and write several keys in one command

    Scenario: MGET replies the values in the order of the keys asked
      Given the client has sent:
        """
        SET foo BAR
        SET bar FOO
        """
      When the client sends "MGET foo bar"
      Then the reply is ["BAR", "FOO"]

    Scenario: MGET replies nil for a missing key, in its place
      Given the client has sent "SET foo BAR"
      When the client sends "MGET foo baazz"
      Then the reply is ["BAR", nil]

    Scenario: MGET replies nil for a key of another type instead of failing
      Given the client has sent:
        """
        SET foo BAR
        SADD myset ciao
        """
      When the client sends "MGET foo myset"
      Then the reply is ["BAR", nil]

    Scenario: MSET writes every pair and replies OK
      When the client sends "MSET x 10 y 'foo bar' z 'x x x x x x x'"
      Then the reply is "OK"
      And "MGET x y z" replies ["10", "foo bar", "x x x x x x x"]

    # The error names the command as the arity errors of every other command do since 7.0
    # (redis/redis#9061); before, MSET and MSETNX shared one line naming MSET.
    @since_7_0
    Scenario: MSET with a key but no value is refused as a whole
      When the client sends "MSET x 10 y"
      Then the reply is an error saying "ERR wrong number of arguments for 'mset' command"
      And "EXISTS x" replies 0

    @since_7_0
    Scenario: MSETNX with a key but no value is refused as a whole
      When the client sends "MSETNX x 10 y"
      Then the reply is an error saying "ERR wrong number of arguments for 'msetnx' command"
      And "EXISTS x" replies 0

    @before_7_0
    Scenario: Before 7.0 MSET and MSETNX with a key but no value are refused by an error naming MSET
      When the client sends "MSET x 10 y"
      Then the reply is an error saying "ERR wrong number of arguments for MSET"
      And "MSETNX x 10 y" replies an error saying "ERR wrong number of arguments for MSET"
      And "EXISTS x" replies 0

    Scenario: MSET with the same key twice keeps the last value
      When the client sends "MSET x one x two"
      Then the reply is "OK"
      And "GET x" replies "two"

    Scenario: MSETNX writes nothing when one of the keys exists
      Given the client has sent "SET x1 old"
      When the client sends "MSETNX x1 new x2 new"
      Then the reply is 0
      And "MGET x1 x2" replies ["old", nil]

    Scenario: MSETNX writes every key when none exists and replies 1
      When the client sends "MSETNX x1 one x2 two"
      Then the reply is 1
      And "MGET x1 x2" replies ["one", "two"]

    Scenario: MSETNX with the same missing key twice writes it and keeps the last value
      When the client sends "MSETNX x one x two"
      Then the reply is 1
      And "GET x" replies "two"

    Scenario: MSETNX with the same existing key twice writes nothing
      Given the client has sent "SET x old"
      When the client sends "MSETNX x one x two"
      Then the reply is 0
      And "GET x" replies "old"

  Rule: STRLEN counts bytes, also of a value that holds a number

    Scenario: STRLEN of a missing key is 0
      When the client sends "STRLEN x"
      Then the reply is 0

    Scenario: STRLEN of a number counts its digits
      Given the client has sent "SET x -555"
      When the client sends "STRLEN x"
      Then the reply is 4

    Scenario: STRLEN of a string counts its bytes
      Given the client has sent "SET x foozzz0123456789"
      When the client sends "STRLEN x"
      Then the reply is 16

  Rule: SETBIT and GETBIT address single bits, most significant bit first

    Scenario: SETBIT on a missing key creates a string padded with zero bytes
      When the client sends "SETBIT x 15 1"
      Then the reply is 0
      And "STRLEN x" replies 2
      And "GETBIT x 15" replies 1

    Scenario: SETBIT replies the bit's previous value
      Given the client has sent "SET x @"
      When the client sends "SETBIT x 1 0"
      Then the reply is 1
      And "GET x" replies "\u0000"

    Scenario: SETBIT on a list fails with WRONGTYPE
      Given the client has sent "LPUSH x foo"
      When the client sends "SETBIT x 0 1"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: SETBIT refuses a negative or too large bit offset
      When the client sends "SETBIT x -1 1"
      Then the reply is an error saying "ERR bit offset is not an integer or out of range"
      And "SETBIT x 4294967296 1" replies an error saying "ERR bit offset is not an integer or out of range"

    Scenario: SETBIT refuses a bit value other than 0 or 1
      When the client sends "SETBIT x 0 2"
      Then the reply is an error saying "ERR bit is not an integer or out of range"

    Scenario: GETBIT of a missing key is 0
      When the client sends "GETBIT x 0"
      Then the reply is 0

    Scenario: GETBIT reads the bits of a string, and 0 past its end
      Given the client has sent "SET x `"
      Then "GETBIT x 0" replies 0
      And "GETBIT x 1" replies 1
      And "GETBIT x 2" replies 1
      And "GETBIT x 3" replies 0
      And "GETBIT x 8" replies 0

  Rule: SETRANGE and GETRANGE edit and read a byte range

    Scenario: SETRANGE on a missing key pads the start with zero bytes
      When the client sends "SETRANGE x 1 foo"
      Then the reply is 4
      And "GET x" replies "\u0000foo"

    Scenario: SETRANGE on a missing key with an empty value creates nothing
      When the client sends "SETRANGE x 1 ''"
      Then the reply is 0
      And "EXISTS x" replies 0

    Scenario: SETRANGE overwrites bytes inside a string and replies its new length
      Given the client has sent "SET x foo"
      When the client sends "SETRANGE x 1 b"
      Then the reply is 3
      And "GET x" replies "fbo"

    Scenario: SETRANGE past the end of a string pads the gap with zero bytes
      Given the client has sent "SET x foo"
      When the client sends "SETRANGE x 4 bar"
      Then the reply is 7
      And "GET x" replies "foo\u0000bar"

    Scenario: SETRANGE on a list fails with WRONGTYPE
      Given the client has sent "LPUSH x foo"
      When the client sends "SETRANGE x 0 bar"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: SETRANGE refuses a negative offset
      Given the client has sent "SET x foo"
      When the client sends "SETRANGE x -1 bar"
      Then the reply is an error saying "ERR offset is out of range"

    Scenario: SETRANGE refuses an offset that would grow the string past 512 MB
      When the client sends "SETRANGE x 536870911 bar"
      Then the reply is an error saying "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
      And "EXISTS x" replies 0

    Scenario: GETRANGE of a missing key is an empty string
      When the client sends "GETRANGE x 0 -1"
      Then the reply is ""

    Scenario: GETRANGE on a list fails with WRONGTYPE
      Given the client has sent "LPUSH x foo"
      When the client sends "GETRANGE x 0 -1"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: GETRANGE is inclusive at both ends and counts negative indexes from the end
      Given the client has sent "SET x 'Hello World'"
      Then "GETRANGE x 0 3" replies "Hell"
      And "GETRANGE x 0 -1" replies "Hello World"
      And "GETRANGE x -4 -1" replies "orld"
      And "GETRANGE x 5 3" replies ""

    Scenario: GETRANGE clamps a huge end index to the end of the string
      Given the client has sent "SET x bar"
      When the client sends "GETRANGE x 0 4294967297"
      Then the reply is "bar"

    Scenario: SUBSTR is the old name of GETRANGE
      Given the client has sent "SET x 'Hello World'"
      When the client sends "SUBSTR x 0 3"
      Then the reply is "Hell"

  Rule: LCS finds the longest common subsequence of two strings

    @since_7_0
    Scenario: LCS replies the longest common subsequence
      Given the client has sent:
        """
        SET a ohmytext
        SET b mynewtext
        """
      When the client sends "LCS a b"
      Then the reply is "mytext"

    @since_7_0
    Scenario: LCS … LEN replies only its length
      Given the client has sent:
        """
        SET a ohmytext
        SET b mynewtext
        """
      When the client sends "LCS a b LEN"
      Then the reply is 6

    @since_7_0
    Scenario: LCS … IDX replies the matching ranges of both strings, last match first
      Given the client has sent:
        """
        SET a ohmytext
        SET b mynewtext
        """
      When the client sends "LCS a b IDX"
      Then the reply is ["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]

    @since_7_0
    Scenario: LCS … IDX WITHMATCHLEN adds each match's length
      Given the client has sent:
        """
        SET a ohmytext
        SET b mynewtext
        """
      When the client sends "LCS a b IDX WITHMATCHLEN"
      Then the reply is ["matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], "len", 6]

    @since_7_0
    Scenario: LCS … MINMATCHLEN leaves out shorter matches but not from the length
      Given the client has sent:
        """
        SET a ohmytext
        SET b mynewtext
        """
      When the client sends "LCS a b IDX MINMATCHLEN 3"
      Then the reply is ["matches", [[[4, 7], [5, 8]]], "len", 6]

  Rule: Counters work across the whole 64-bit range

    Scenario: INCR counts up from the value INCR itself wrote
      Given the client has sent "INCR n"
      When the client sends "INCR n"
      Then the reply is 2

    Scenario: DECR counts down from the value INCR wrote
      Given the client has sent:
        """
        INCR n
        INCR n
        """
      When the client sends "DECR n"
      Then the reply is 1

    Scenario: INCR works on a number written with SET
      Given the client has sent "SET n 100"
      When the client sends "INCR n"
      Then the reply is 101

    Scenario: INCR goes past 32 bits
      Given the client has sent "SET n 17179869184"
      When the client sends "INCR n"
      Then the reply is 17179869185

    Scenario: INCRBY adds an increment larger than 32 bits
      Given the client has sent "SET n 17179869184"
      When the client sends "INCRBY n 17179869184"
      Then the reply is 34359738368

    Scenario: DECRBY subtracts an increment larger than 32 bits into the negatives
      Given the client has sent "SET n 17179869184"
      When the client sends "DECRBY n 17179869185"
      Then the reply is -1

    Scenario: DECRBY on a missing key starts from zero
      When the client sends "DECRBY n 1"
      Then the reply is -1

    # DECRBY negates its argument and adds it; -(-2^63) does not fit in 64 bits (redis/redis#9577, 7.0).
    @since_7_0
    Scenario: DECRBY refuses the smallest 64-bit integer, whose negation would overflow
      Given the client has sent "SET n 0"
      When the client sends "DECRBY n -9223372036854775808"
      Then the reply is an error saying "ERR decrement would overflow"
      And "GET n" replies "0"

    # Before the check, the negation overflowed back to -2^63, which was added instead of subtracted.
    @before_7_0
    Scenario: Before 7.0 DECRBY by the smallest 64-bit integer adds it instead of refusing it
      Given the client has sent "SET n 0"
      When the client sends "DECRBY n -9223372036854775808"
      Then the reply is -9223372036854775808
      And "GET n" replies "-9223372036854775808"

    Scenario Outline: INCR refuses a number with a trailing space or spaces on both sides
      Given the client has sent "SET n <stored>"
      When the client sends "INCR n"
      Then the reply is an error saying "ERR value is not an integer or out of range"

      Examples:
        | stored  |
        | '11 '   |
        | ' 11 '  |

  Rule: INCRBYFLOAT reads and writes decimal text

    Scenario: INCRBYFLOAT on a missing key starts from zero
      When the client sends "INCRBYFLOAT f 1"
      Then the reply is "1"
      And "INCRBYFLOAT f 0.25" replies "1.25"

    Scenario: INCRBYFLOAT works on a number written with SET
      Given the client has sent "SET f 1.5"
      When the client sends "INCRBYFLOAT f 1.5"
      Then the reply is "3"

    Scenario: INCRBYFLOAT goes past 32 bits
      Given the client has sent "SET f 17179869184"
      When the client sends "INCRBYFLOAT f 1.5"
      Then the reply is "17179869185.5"

    Scenario: INCRBYFLOAT adds an increment larger than 32 bits
      Given the client has sent "SET f 17179869184"
      When the client sends "INCRBYFLOAT f 17179869184"
      Then the reply is "34359738368"

    Scenario Outline: INCRBYFLOAT refuses a number with spaces around it
      Given the client has sent "SET f <stored>"
      When the client sends "INCRBYFLOAT f 1.0"
      Then the reply is an error saying "ERR value is not a valid float"

      Examples:
        | stored  |
        | ' 11'   |
        | '11 '   |
        | ' 11 '  |

    Scenario: INCRBYFLOAT on a list fails with WRONGTYPE
      Given the client has sent "LPUSH f 1"
      When the client sends "INCRBYFLOAT f 1.0"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: INCRBYFLOAT with a negative increment decrements
      Given the client has sent "SET f 1"
      When the client sends "INCRBYFLOAT f -1.1"
      Then the reply is "-0.1"

    Scenario: INCRBYFLOAT never replies a negative zero
      Given the client has sent "SET f 1"
      When the client sends "INCRBYFLOAT f -1"
      Then the reply is "0"

    Scenario: INCRBYFLOAT refuses an increment that is not a number
      Given the client has sent "SET f 1"
      When the client sends "INCRBYFLOAT f abc"
      Then the reply is an error saying "ERR value is not a valid float"
      And "GET f" replies "1"
