Feature: Stream entries: ids, range reads and trimming
  A stream is an append-only log of entries, each a list of field-value pairs under an id
  `<milliseconds>-<sequence>` that only ever grows. This file shows how ids are generated or
  checked, how XRANGE reads a slice (inclusive, exclusive with "(", paged with COUNT), and how a
  stream is kept bounded: exact trimming keeps exactly N entries, while the cheap approximate
  form (`~`) only drops whole internal nodes and may keep far more than asked.

  Rule: Every entry gets an id greater than the stream's last id

    Scenario: XADD * generates strictly increasing ids even within one millisecond of a transaction
      Given the client has sent:
        """
        MULTI
        XADD s * n 1
        XADD s * n 2
        XADD s * n 3
        """
      When the client sends "EXEC"
      Then the reply holds 3 strictly increasing stream ids

    Scenario: An explicit id not greater than the last id is refused
      Given the client has sent "XADD s 5-0 f v"
      When the client sends "XADD s 4-9 f v"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"

    Scenario: An id without a sequence part means sequence 0, so "5" after "5-0" is refused
      Given the client has sent "XADD s 5-0 f v"
      When the client sends "XADD s 5 f v"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"

    Scenario: The id 0-0 is never valid and the stream is not created
      When the client sends "XADD s 0-0 f v"
      Then the reply is an error saying "ERR The ID specified in XADD must be greater than 0-0"
      And "EXISTS s" replies 0

    @since_7_0
    Scenario: An id "<ms>-*" lets Redis pick the next sequence number within that millisecond
      Given the client has sent "XADD s 6-0 f v"
      When the client sends "XADD s 6-* f v"
      Then the reply is "6-1"

    Scenario: An entry is a list, not a map: a repeated field name is kept twice, in order
      Given the client has sent "XADD s 1-0 f 1 f 2"
      When the client sends "XRANGE s - +"
      Then the reply is [["1-0", ["f", "1", "f", "2"]]]

    @since_6_2
    Scenario: XADD with NOMKSTREAM on a missing stream replies nil and creates nothing
      When the client sends "XADD s NOMKSTREAM * f v"
      Then the reply is nil
      And "EXISTS s" replies 0

  Rule: Exact trimming keeps exactly N entries; approximate trimming only drops whole nodes

    Scenario: XTRIM MAXLEN keeps exactly the newest entries and replies how many it deleted
      Given the stream "s" has the entries 1-0 to 10-0
      When the client sends "XTRIM s MAXLEN 5"
      Then the reply is 5
      And the stream "s" holds the ids ["6-0", "7-0", "8-0", "9-0", "10-0"]

    Scenario: Approximate trimming drops a whole node of 100 entries, keeping 50 where 10 were asked
      # A stream is a radix tree of listpack nodes of up to stream-node-max-entries (100) entries.
      # "~" only frees whole nodes, so it is cheap, but the stream may stay far above the bound.
      Given the server keeps at most 100 entries per stream node
      And the stream "s" has the entries 1-0 to 150-0
      When the client sends "XTRIM s MAXLEN ~ 10"
      Then the reply is 100
      And "XLEN s" replies 50

    Scenario: Approximate trimming of a stream smaller than one node deletes nothing
      Given the stream "s" has the entries 1-0 to 60-0
      When the client sends "XTRIM s MAXLEN ~ 10"
      Then the reply is 0
      And "XLEN s" replies 60

    @since_6_2
    Scenario: LIMIT is only allowed with approximate trimming
      When the client sends "XADD s MAXLEN = 0 LIMIT 10 * f v"
      Then the reply is an error saying "ERR syntax error, LIMIT cannot be used without the special ~ option"

    @since_6_2
    Scenario: MINID evicts the entries below the threshold and keeps the threshold entry
      Given the stream "s" has the entries 1-0 to 10-0
      When the client sends "XTRIM s MINID 8"
      Then the reply is 7
      And the stream "s" holds the ids ["8-0", "9-0", "10-0"]

    Scenario: A stream trimmed to nothing still exists and still refuses smaller ids
      Given the client has sent "XADD s MAXLEN 0 5-0 f v"
      When the client sends "XADD s 3-0 f v"
      Then the reply is an error saying "ERR The ID specified in XADD is equal or smaller than the target stream top item"
      And "XLEN s" replies 0
      And "EXISTS s" replies 1

    @since_8_2
    Scenario: Trimming with ACKED stops at the first entry a group has not acknowledged
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c COUNT 3 STREAMS s >
        XACK s g 1-0
        """
      When the client sends "XTRIM s MAXLEN 0 ACKED"
      Then the reply is 1
      And the stream "s" holds the ids ["2-0", "3-0", "4-0", "5-0"]

  Rule: XRANGE reads a slice in id order; "(" excludes a bound and COUNT pages

    Scenario: XRANGE includes both of its bounds
      Given the stream "s" has the entries 1-0 to 5-0
      When the client sends "XRANGE s 2-0 4-0"
      Then the entries in the reply have the ids ["2-0", "3-0", "4-0"]

    @since_6_2
    Scenario: An opening parenthesis makes a bound exclusive
      Given the stream "s" has the entries 1-0 to 5-0
      When the client sends "XRANGE s (2-0 (5-0"
      Then the entries in the reply have the ids ["3-0", "4-0"]

    Scenario: A bare millisecond bound covers every sequence number of that millisecond
      Given the client has sent:
        """
        XADD s 5-0 f v
        XADD s 5-1 f v
        XADD s 5-2 f v
        XADD s 6-0 f v
        """
      When the client sends "XRANGE s 5 5"
      Then the entries in the reply have the ids ["5-0", "5-1", "5-2"]

    @since_6_2
    Scenario: COUNT pages through a stream when each page starts after the last id seen
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent "XRANGE s - + COUNT 2"
      When the client sends "XRANGE s (2-0 + COUNT 2"
      Then the entries in the reply have the ids ["3-0", "4-0"]

    Scenario: XREVRANGE takes the end first, so "XREVRANGE s - +" is silently empty
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREVRANGE s - +"
      Then the reply is []
      And "XREVRANGE s + - COUNT 1" replies [["3-0", ["n", "3"]]]

    Scenario: A missing stream reads as empty, not as an error
      When the client sends "XRANGE nosuch - +"
      Then the reply is []
      And "XLEN nosuch" replies 0
