Feature: List commands: positions, moves, pops and their edges
  A list is a sequence of strings with cheap pushes and pops at both ends. Beyond pushing and
  popping, Redis finds an element's position (LPOS), inserts next to an element (LINSERT),
  overwrites by index (LSET), removes by value (LREM) and moves an element from one list to
  another atomically (LMOVE, the old RPOPLPUSH). The blocking forms wait for an element, but
  only outside a transaction or script. This file states the replies at the edges, following
  redis/redis `tests/unit/type/list.tcl` and the command pages on redis.io.

  Rule: LPOS finds the position of an element, counting matches with RANK and COUNT

    Scenario: LPOS replies the index of the first match
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      When the client sends "LPOS l c"
      Then the reply is 2

    Scenario: LPOS … RANK picks the n-th match, and a negative rank counts from the tail
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      Then "LPOS l c RANK 2" replies 6
      And "LPOS l c RANK -1" replies 7

    # 7.0.1 added the negative ranks to the message (redis/redis#10645).
    @since_7_0_1
    Scenario: LPOS … RANK 0 is refused, and the error mentions negative ranks
      Given the client has sent "RPUSH l a b c"
      When the client sends "LPOS l c RANK 0"
      Then the reply is an error saying "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"

    @before_7_0_1
    Scenario: Before 7.0.1 LPOS … RANK 0 is refused by an error that stops at the second match
      Given the client has sent "RPUSH l a b c"
      When the client sends "LPOS l c RANK 0"
      Then the reply is an error saying "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second, ..."

    Scenario: LPOS … COUNT replies the positions of several matches, 0 meaning all
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      Then "LPOS l c COUNT 2" replies [2, 6]
      And "LPOS l c COUNT 0" replies [2, 6, 7]

    Scenario: LPOS … COUNT with RANK starts counting at the ranked match
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      When the client sends "LPOS l c COUNT 0 RANK 2"
      Then the reply is [6, 7]

    Scenario: LPOS on a missing key replies nil, or an empty array with COUNT
      Then "LPOS l foo" replies nil
      And "LPOS l foo COUNT 0" replies []

    Scenario: LPOS replies nil when nothing matches
      Given the client has sent "RPUSH l a b c"
      When the client sends "LPOS l x"
      Then the reply is nil

    Scenario: LPOS … MAXLEN only compares that many elements
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      Then "LPOS l c COUNT 0 MAXLEN 7" replies [2, 6]
      And "LPOS l c COUNT 0 MAXLEN 2" replies []

    Scenario: LPOS with a rank beyond the number of matches replies nil
      Given the client has sent "RPUSH l a b c 1 2 3 c c"
      When the client sends "LPOS l c RANK 4"
      Then the reply is nil

  Rule: LPOP and RPOP take an optional count

    Scenario: LINDEX reads by index and counts negative indexes from the tail
      Given the client has sent "RPUSH l a b c"
      Then "LINDEX l 0" replies "a"
      And "LINDEX l -1" replies "c"
      And "LINDEX l 3" replies nil

    Scenario: LPOP with more than a count is a wrong number of arguments
      Given the client has sent "RPUSH l a"
      When the client sends "LPOP l 1 1"
      Then the reply is an error saying "ERR wrong number of arguments for 'lpop' command"

    @since_6_2
    Scenario: LPOP and RPOP with a count pop up to that many elements, in popping order
      Given the client has sent "RPUSH l a b c d e"
      Then "LPOP l 2" replies ["a", "b"]
      And "RPOP l 2" replies ["e", "d"]
      And "LPOP l 10" replies ["c"]
      And "EXISTS l" replies 0

    @since_7_0
    Scenario: LPOP with a count of 0 replies an empty array
      Given the client has sent "RPUSH l a"
      When the client sends "LPOP l 0"
      Then the reply is []

    @since_6_2
    Scenario: LPOP with a count on a missing key replies nil, not an empty array
      When the client sends "LPOP l 2"
      Then the reply is nil

    Scenario: DEL removes a whole list
      Given the client has sent "RPUSH l a b c"
      When the client sends "DEL l"
      Then the reply is 1
      And "LLEN l" replies 0

  Rule: A blocking pop on a list that has elements replies at once

    Scenario: BLPOP pops from the first non-empty list and names it
      Given the client has sent:
        """
        RPUSH l1 a b c
        RPUSH l2 d e f
        """
      When the client sends "BLPOP l1 l2 1"
      Then the reply is ["l1", "a"]

    Scenario: BRPOP skips empty or missing lists and pops from the first one with elements
      Given the client has sent "RPUSH l2 d e f"
      When the client sends "BRPOP l1 l2 1"
      Then the reply is ["l2", "f"]

    Scenario: BRPOPLPUSH moves the tail of the source to the head of the destination
      Given the client has sent "RPUSH src a b c"
      When the client sends "BRPOPLPUSH src dst 1"
      Then the reply is "c"
      And "LRANGE dst 0 -1" replies ["c"]

    @since_6_2
    Scenario: BLMOVE moves an element between the ends it names
      Given the client has sent "RPUSH src a b c"
      When the client sends "BLMOVE src dst LEFT RIGHT 1"
      Then the reply is "a"
      And "LRANGE src 0 -1" replies ["b", "c"]
      And "LRANGE dst 0 -1" replies ["a"]

    Scenario: BRPOPLPUSH on a source of another type fails with WRONGTYPE
      Given the client has sent "SET src x"
      When the client sends "BRPOPLPUSH src dst 1"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: BRPOPLPUSH to a destination of another type fails and leaves the source alone
      Given the client has sent:
        """
        RPUSH src a b c
        SET dst x
        """
      When the client sends "BRPOPLPUSH src dst 1"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "LRANGE src 0 -1" replies ["a", "b", "c"]

    Scenario: BRPOPLPUSH inside MULTI does not block and moves nothing from an empty list
      Given the client has sent:
        """
        MULTI
        BRPOPLPUSH src dst 0
        """
      When the client sends "EXEC"
      Then the reply is [nil]

    Scenario: BRPOPLPUSH on an empty list replies nil when its timeout runs out
      When the client sends "BRPOPLPUSH src dst 0.01"
      Then the reply is nil
      And "EXISTS dst" replies 0

    @since_7_2
    Scenario: BLPOP refuses a timeout too large to be a deadline
      When the client sends "BLPOP l 0x7FFFFFFFFFFFFF"
      Then the reply is an error saying "ERR timeout is out of range"

    @before_7_2
    Scenario: Before 7.2 a timeout too large to be a deadline overflows, and BLPOP calls it negative
      When the client sends "BLPOP l 0x7FFFFFFFFFFFFF"
      Then the reply is an error saying "ERR timeout is negative"

    Scenario: BLPOP refuses a negative timeout
      When the client sends "BLPOP l -1"
      Then the reply is an error saying "ERR timeout is negative"

    Scenario: BLPOP refuses a timeout that is not a number
      When the client sends "BLPOP l abc"
      Then the reply is an error saying "ERR timeout is not a float or out of range"

    # The timeout in seconds times 1000 was truncated to whole milliseconds, and 0.001 became 0, which
    # means "forever"; 7.0.8 rounds it up instead (redis/redis#11688).
    @since_7_0_8
    Scenario: BLPOP with a timeout of 0.001 seconds returns nil instead of blocking forever
      When the client sends "BLPOP l 0.001"
      Then the reply is nil

    @before_7_0_8
    Scenario: Before 7.0.8 BLPOP with a timeout of 0.001 seconds blocks until something is pushed
      When client "B" is blocked in "BLPOP l 0.001"
      Then client "B" is still blocked once 100 ms have passed on the server's clock
      When the client sends "LPUSH l x"
      Then client "B" is woken with ["l", "x"]

    Scenario: BLPOP on a key of another type fails with WRONGTYPE
      Given the client has sent "SET l2 x"
      When the client sends "BLPOP l1 l2 1"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: BLPOP on empty lists replies nil when its timeout runs out
      When the client sends "BLPOP l1 l2 0.01"
      Then the reply is nil

  Rule: LPUSHX, RPUSHX and LINSERT only touch a list that exists

    Scenario: LPUSHX and RPUSHX on a missing key push nothing and reply 0
      Then "LPUSHX l a" replies 0
      And "RPUSHX l a" replies 0
      And "EXISTS l" replies 0

    Scenario: LPUSHX and RPUSHX push onto an existing list and reply its length
      Given the client has sent "RPUSH l b"
      Then "LPUSHX l a" replies 2
      And "RPUSHX l c d" replies 4
      And "LRANGE l 0 -1" replies ["a", "b", "c", "d"]

    Scenario: LINSERT puts an element before or after a pivot and replies the new length
      Given the client has sent "RPUSH l a c"
      Then "LINSERT l BEFORE c b" replies 3
      And "LINSERT l AFTER c d" replies 4
      And "LINSERT l AFTER zz x" replies -1
      And "LRANGE l 0 -1" replies ["a", "b", "c", "d"]

    Scenario: LINSERT with neither BEFORE nor AFTER is a syntax error
      Given the client has sent "RPUSH l a"
      When the client sends "LINSERT l aft3r a b"
      Then the reply is an error saying "ERR syntax error"

    Scenario: LINSERT on a key of another type fails with WRONGTYPE
      Given the client has sent "SET l x"
      When the client sends "LINSERT l AFTER a b"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: LINSERT on a missing key replies 0 and creates nothing
      When the client sends "LINSERT l BEFORE a b"
      Then the reply is 0
      And "EXISTS l" replies 0

  Rule: Reading or pushing a key of another type fails with WRONGTYPE; a missing key is an empty list

    Scenario Outline: A list command on a string fails with WRONGTYPE
      Given the client has sent "SET k x"
      When the client sends "<command>"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

      Examples:
        | command     |
        | LLEN k      |
        | LINDEX k 0  |
        | LPUSH k a   |
        | RPUSH k a   |
        | LPOP k      |

    Scenario: LLEN of a missing key is 0
      When the client sends "LLEN l"
      Then the reply is 0

    Scenario: LINDEX of a missing key is nil
      When the client sends "LINDEX l 0"
      Then the reply is nil

  Rule: LMOVE and RPOPLPUSH move one element atomically, also within one list

    Scenario: RPOPLPUSH moves the tail of the source to the head of the destination
      Given the client has sent "RPUSH src a b c d"
      When the client sends "RPOPLPUSH src dst"
      Then the reply is "d"
      And "LRANGE src 0 -1" replies ["a", "b", "c"]
      And "LRANGE dst 0 -1" replies ["d"]

    @since_6_2
    Scenario: LMOVE takes from the end it is told and puts at the end it is told
      Given the client has sent "RPUSH src a b c d"
      When the client sends "LMOVE src dst LEFT LEFT"
      Then the reply is "a"
      And "LRANGE src 0 -1" replies ["b", "c", "d"]
      And "LRANGE dst 0 -1" replies ["a"]

    Scenario: RPOPLPUSH with the same list as source and destination rotates it
      Given the client has sent "RPUSH l a b c"
      When the client sends "RPOPLPUSH l l"
      Then the reply is "c"
      And "LRANGE l 0 -1" replies ["c", "a", "b"]

    @since_6_2
    Scenario: LMOVE within one list from the head to the tail rotates it the other way
      Given the client has sent "RPUSH l a b c"
      When the client sends "LMOVE l l LEFT RIGHT"
      Then the reply is "a"
      And "LRANGE l 0 -1" replies ["b", "c", "a"]

    Scenario: RPOPLPUSH onto an existing list pushes at its head
      Given the client has sent:
        """
        RPUSH src a b c
        RPUSH dst x y
        """
      When the client sends "RPOPLPUSH src dst"
      Then the reply is "c"
      And "LRANGE dst 0 -1" replies ["c", "x", "y"]

    @since_6_2
    Scenario: LMOVE … RIGHT onto an existing list pushes at its tail
      Given the client has sent:
        """
        RPUSH src a b c
        RPUSH dst x y
        """
      When the client sends "LMOVE src dst LEFT RIGHT"
      Then the reply is "a"
      And "LRANGE dst 0 -1" replies ["x", "y", "a"]

    Scenario: RPOPLPUSH from a missing source replies nil and creates no destination
      When the client sends "RPOPLPUSH src dst"
      Then the reply is nil
      And "EXISTS src dst" replies 0

    Scenario: RPOPLPUSH from a source of another type fails with WRONGTYPE
      Given the client has sent "SET src x"
      When the client sends "RPOPLPUSH src dst"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: RPOPLPUSH to a destination of another type fails and leaves the source alone
      Given the client has sent:
        """
        RPUSH src a b
        SET dst x
        """
      When the client sends "RPOPLPUSH src dst"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "LRANGE src 0 -1" replies ["a", "b"]

  Rule: LMPOP pops from the first non-empty list of several

    @since_7_0
    Scenario: LMPOP pops from the first non-empty list and names it
      Given the client has sent "RPUSH l2 a b c"
      When the client sends "LMPOP 2 l1 l2 LEFT COUNT 2"
      Then the reply is ["l2", ["a", "b"]]

    @since_7_0
    Scenario: LMPOP without COUNT pops one element
      Given the client has sent "RPUSH l a b c"
      When the client sends "LMPOP 1 l RIGHT"
      Then the reply is ["l", ["c"]]

    @since_7_0
    Scenario: LMPOP on empty lists replies nil
      When the client sends "LMPOP 2 l1 l2 LEFT"
      Then the reply is nil

    @since_7_0
    Scenario: LMPOP with a first list of another type fails with WRONGTYPE
      Given the client has sent:
        """
        SET l1 x
        RPUSH l2 a
        """
      When the client sends "LMPOP 2 l1 l2 LEFT"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    @since_7_0
    Scenario: LMPOP refuses a numkeys of 0 and a COUNT of 0
      When the client sends "LMPOP 0 l LEFT"
      Then the reply is an error saying "ERR numkeys should be greater than 0"
      And "LMPOP 1 l LEFT COUNT 0" replies an error saying "ERR count should be greater than 0"

    @since_7_0
    Scenario: LMPOP with more elements asked than the list holds pops them all and deletes the key
      Given the client has sent "RPUSH l a b"
      When the client sends "LMPOP 1 l LEFT COUNT 10"
      Then the reply is ["l", ["a", "b"]]
      And "EXISTS l" replies 0

  Rule: LRANGE, LTRIM, LSET and LREM address elements by index or by value

    Scenario: LRANGE with a negative end index beyond the start reads nothing
      Given the client has sent "RPUSH l 1 2 3"
      Then "LRANGE l 0 -4" replies []
      And "LRANGE l -10 -4" replies []

    Scenario: LRANGE of a missing key is an empty list
      When the client sends "LRANGE l 0 -1"
      Then the reply is []

    Scenario: LTRIM with a negative end index beyond the start deletes the list
      Given the client has sent "RPUSH l 1 2 3"
      When the client sends "LTRIM l 0 -10"
      Then the reply is "OK"
      And "EXISTS l" replies 0

    Scenario: LSET overwrites the element at an index, negative from the tail
      Given the client has sent "RPUSH l 99 98 97"
      Then "LSET l 1 foo" replies "OK"
      And "LSET l -1 bar" replies "OK"
      And "LRANGE l 0 -1" replies ["99", "foo", "bar"]

    Scenario: LSET out of range is an error
      Given the client has sent "RPUSH l a"
      When the client sends "LSET l 10 foo"
      Then the reply is an error saying "ERR index out of range"

    Scenario: LSET on a missing key is an error
      When the client sends "LSET l 0 foo"
      Then the reply is an error saying "ERR no such key"

    Scenario: LSET on a key of another type fails with WRONGTYPE
      Given the client has sent "SET l x"
      When the client sends "LSET l 0 foo"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"

    Scenario: LREM with count 0 removes every occurrence and replies how many
      Given the client has sent "RPUSH l foo bar foobar foobared zap bar test foo"
      When the client sends "LREM l 0 bar"
      Then the reply is 2
      And "LRANGE l 0 -1" replies ["foo", "foobar", "foobared", "zap", "test", "foo"]

    Scenario: LREM with a positive count removes that many from the head
      Given the client has sent "RPUSH l foo bar foobar foo"
      When the client sends "LREM l 1 foo"
      Then the reply is 1
      And "LRANGE l 0 -1" replies ["bar", "foobar", "foo"]

    Scenario: LREM of an element that is not there removes nothing
      Given the client has sent "RPUSH l a b"
      When the client sends "LREM l 1 nosuchelement"
      Then the reply is 0
      And "LLEN l" replies 2

    Scenario: LREM with a negative count removes that many from the tail
      Given the client has sent "RPUSH l foo bar foobar foo foo"
      When the client sends "LREM l -1 foo"
      Then the reply is 1
      And "LRANGE l 0 -1" replies ["foo", "bar", "foobar", "foo"]

    Scenario: LREM with a negative count larger than the matches removes them all
      Given the client has sent "RPUSH l foo bar foo"
      When the client sends "LREM l -5 foo"
      Then the reply is 2
      And "LRANGE l 0 -1" replies ["bar"]
