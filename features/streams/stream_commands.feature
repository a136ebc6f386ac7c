Feature: Stream commands at their edges: ids, trimming, reads and deletes
  A stream is an append-only log whose entries are ordered by id, "<ms>-<seq>". XADD picks the
  next id or checks the one given, may trim the stream as it appends, XREAD reads what is new in
  several streams at once, XDEL removes entries by id, and XSETID moves the last id by hand. This
  file states the replies at the edges: ids at the end of the range, exact and approximate trims,
  reads with nothing new. The facts follow redis/redis `tests/unit/type/stream.tcl` and the
  command pages on redis.io.

  Rule: XADD gives every entry an id greater than the last one, or refuses

    Scenario: XADD without a field and value is a wrong number of arguments
      When the client sends "XADD s *"
      Then the reply is an error saying "ERR wrong number of arguments for 'xadd' command"

    Scenario: XADD * fails once the last id is the largest possible
      Given the client has sent "XADD s 18446744073709551615-18446744073709551615 a b"
      When the client sends "XADD s * c d"
      Then the reply is an error saying "ERR The stream has exhausted the last possible ID, unable to add more items"

    @since_7_0
    Scenario: An id "<ms>-*" in a later millisecond starts at sequence 0
      Given the client has sent "XADD s 1-1 a b"
      When the client sends "XADD s 2-* c d"
      Then the reply is "2-0"

    @since_7_0
    Scenario: An id "<ms>-*" below the last id is refused
      Given the client has sent "XADD s 5-1 a b"
      When the client sends "XADD s 4-* c d"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"

    # The error names the id since 7.2 (redis/redis#11424 set errno); 7.0 reported a size error.
    @since_7_2
    Scenario: An id "<ms>-*" whose sequence would overflow is refused
      Given the client has sent "XADD s 1-18446744073709551615 a b"
      When the client sends "XADD s 1-* c d"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"

    @since_7_0 @before_7_2
    Scenario: On 7.0 an id "<ms>-*" whose sequence would overflow is refused as too large
      Given the client has sent "XADD s 1-18446744073709551615 a b"
      When the client sends "XADD s 1-* c d"
      Then the reply is an error saying "ERR Elements are too large to be stored"

    @since_7_0
    Scenario: The id "0-*" on an empty stream gives 0-1
      When the client sends "XADD s 0-* a b"
      Then the reply is "0-1"

  Rule: XADD trims as it appends: exactly with "=", by id with MINID

    Scenario: XADD … MAXLEN = trims exactly
      Given the client has sent:
        """
        XADD s 1-0 a 1
        XADD s 2-0 a 2
        XADD s 3-0 a 3
        """
      When the client sends "XADD s MAXLEN = 2 4-0 a 4"
      Then the reply is "4-0"
      And "XLEN s" replies 2
      And "XRANGE s - + COUNT 1" replies [["3-0", ["a", "3"]]]

    @since_6_2
    Scenario: XADD … MINID drops the entries below the threshold
      Given the client has sent:
        """
        XADD s 1-0 a 1
        XADD s 2-0 a 2
        XADD s 3-0 a 3
        """
      When the client sends "XADD s MINID 3 4-0 a 4"
      Then the reply is "4-0"
      And "XLEN s" replies 2

  Rule: XREVRANGE and XREAD read newest-first, or only what is new

    Scenario: XREVRANGE … COUNT reads the newest entries first
      Given the client has sent:
        """
        XADD s 1-0 a 1
        XADD s 2-0 a 2
        XADD s 3-0 a 3
        """
      When the client sends "XREVRANGE s + - COUNT 2"
      Then the reply is [["3-0", ["a", "3"]], ["2-0", ["a", "2"]]]

    Scenario: XREAD of streams with nothing new replies nil
      Given the client has sent "XADD s1 1-0 a 1"
      When the client sends "XREAD STREAMS s1 s2 1-0 0-0"
      Then the reply is nil

    @resp2_only
    Scenario: XREAD replies only the streams that have new entries, as an array of name and entries under RESP2
      Given the client has sent:
        """
        XADD s1 1-0 a 1
        XADD s2 1-0 b 1
        """
      When the client sends "XREAD COUNT 10 STREAMS s1 s2 1-0 0-0"
      Then the reply is [["s2", [["1-0", ["b", "1"]]]]]

    @resp3_only
    Scenario: XREAD replies only the streams that have new entries, as a map of name to entries under RESP3
      Given the client has sent:
        """
        XADD s1 1-0 a 1
        XADD s2 1-0 b 1
        """
      When the client sends "XREAD COUNT 10 STREAMS s1 s2 1-0 0-0"
      Then the reply is ["s2", [["1-0", ["b", "1"]]]]

  Rule: XDEL and XSETID change entries and the last id by hand

    Scenario: XDEL removes entries by id and counts the ones it found
      Given the client has sent:
        """
        XADD s 1-0 a 1
        XADD s 2-0 a 2
        XADD s 3-0 a 3
        """
      When the client sends "XDEL s 1-0 3-0 9-0"
      Then the reply is 2
      And "XRANGE s - +" replies [["2-0", ["a", "2"]]]

    Scenario: XSETID moves the last id forward, so smaller ids are refused afterwards
      Given the client has sent:
        """
        XADD s 1-0 a 1
        XSETID s 200-0
        """
      When the client sends "XADD s 100-0 a 2"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"
      And "XADD s 201-0 a 3" replies "201-0"

    Scenario: XSETID refuses an id smaller than the last entry
      Given the client has sent "XADD s 5-0 a 1"
      When the client sends "XSETID s 1-0"
      Then the reply is an error saying "ERR The ID specified in XSETID is smaller than the target stream top item"

    Scenario: XSETID on a missing stream is an error
      When the client sends "XSETID s 1-0"
      Then the reply is an error saying "ERR no such key"
