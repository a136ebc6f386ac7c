Feature: Consumer groups: delivery, the pending entries list, acknowledgement and claiming
  A consumer group shares one stream among many consumers: each new entry is delivered to one
  of them (XREADGROUP with ">") and stays in the group's pending entries list (PEL), owned by
  that consumer, until it is acknowledged with XACK. Entries whose consumer died are found with
  XPENDING and taken over with XCLAIM or XAUTOCLAIM. This file shows where a group starts, what
  ">" and history reads return, how delivery counts and idle times move, what changed in 7.0
  for deleted entries, and the traps: deleting a consumer silently drops its pending entries.

  Rule: A group starts at "$" (only new entries) or "0" (the whole history)

    Scenario: XGROUP CREATE on a missing stream fails unless MKSTREAM is given
      When the client sends "XGROUP CREATE s g $"
      Then the reply is an error saying "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
      And "EXISTS s" replies 0

    Scenario: XGROUP CREATE with MKSTREAM creates an empty stream, and a second create is BUSYGROUP
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XGROUP CREATE s g $ MKSTREAM"
      Then the reply is an error saying "BUSYGROUP Consumer Group name already exists"
      And "TYPE s" replies "stream"

    Scenario: A group created at "$" does not deliver the entries that were already there
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent "XGROUP CREATE s g $"
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the reply is nil

    Scenario: A group created at "0" delivers the stream from its first entry
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent "XGROUP CREATE s g 0"
      When the client sends "XREADGROUP GROUP g c COUNT 1 STREAMS s >"
      Then the stream read delivers [["1-0", ["n", "1"]]]

  Rule: ">" reads entries never delivered; an id reads the consumer's own pending entries

    Scenario: Entries read with ">" enter the pending entries list of the consumer that read them
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent "XGROUP CREATE s g 0"
      When the client sends "XREADGROUP GROUP g c1 COUNT 2 STREAMS s >"
      Then "XPENDING s g" replies [2, "1-0", "2-0", [["c1", "2"]]]

    Scenario: A ">" read never delivers an entry already delivered to another consumer
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 COUNT 2 STREAMS s >
        """
      When the client sends "XREADGROUP GROUP g c2 STREAMS s >"
      Then the stream read delivers the ids ["3-0"]

    Scenario: A history read returns only the reading consumer's own pending entries
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XREADGROUP GROUP g c2 STREAMS s 0"
      Then the stream read delivers []

    Scenario: The id of a history read is exclusive: it returns pending entries after it
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XREADGROUP GROUP g c1 STREAMS s 1-0"
      Then the stream read delivers the ids ["2-0", "3-0"]

    Scenario: "$" means nothing to XREADGROUP
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XREADGROUP GROUP g c STREAMS s $"
      Then the reply is an error saying "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."

    Scenario: XREADGROUP on a group that does not exist is a NOGROUP error
      Given the client has sent "XADD s 1-0 f v"
      When the client sends "XREADGROUP GROUP nog c STREAMS s >"
      Then the reply is an error saying "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"

    Scenario: With NOACK, delivered entries never enter the pending entries list
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent "XGROUP CREATE s g 0"
      When the client sends "XREADGROUP GROUP g c NOACK STREAMS s >"
      Then the stream read delivers the ids ["1-0", "2-0"]
      And "XPENDING s g" replies [0, nil, nil, nil]

    Scenario: An entry deleted while pending stays pending, and history reads show it with a nil body
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 1-0
        """
      When the client sends "XREADGROUP GROUP g c1 STREAMS s 0"
      Then the stream read delivers [["1-0", nil], ["2-0", ["n", "2"]]]

    Scenario: A history read that finds an entry deleted does not count a delivery for it
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 1-0
        """
      When the client sends "XREADGROUP GROUP g c1 STREAMS s 0"
      Then the pending entries of group "g" on "s" are [["1-0", "c1", 1], ["2-0", "c1", 2]]

    Scenario: A blocked XREADGROUP with ">" is woken by the next XADD
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When client "A" is blocked in "XREADGROUP GROUP g c BLOCK 10000 STREAMS s >"
      And client "B" sends "XADD s 7-0 f v"
      Then client "A" is woken with the ids ["7-0"]

    Scenario: BLOCK is ignored by a history read, which answers at once
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XREADGROUP GROUP g c BLOCK 0 STREAMS s 0"
      Then the stream read delivers []

  Rule: XACK removes entries from the pending entries list and counts only what it removed

    Scenario: XACK counts an id once, and ignores ids that are not pending
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XACK s g 1-0 1-0 99-0"
      Then the reply is 1
      And the pending entries of group "g" on "s" are [["2-0", "c1", 1]]

    Scenario: One malformed id makes XACK fail as a whole, acknowledging nothing
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XACK s g 1-0 not-an-id"
      Then the reply is an error saying "ERR Invalid stream ID specified as stream command argument"
      And the pending entries of group "g" on "s" are [["1-0", "c1", 1], ["2-0", "c1", 1]]

    @since_8_2
    Scenario: XACKDEL acknowledges an entry and deletes it from the stream in one command
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XACKDEL s g IDS 1 1-0"
      Then the reply is [1]
      And the stream "s" holds the ids ["2-0"]
      And the pending entries of group "g" on "s" are [["2-0", "c1", 1]]

  Rule: XPENDING lists pending entries with their owner, idle time and delivery count

    Scenario: Every delivery of an entry, history re-reads included, adds one to its delivery count
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XREADGROUP GROUP g c1 STREAMS s 0
        """
      When the client sends "XREADGROUP GROUP g c1 STREAMS s 0"
      Then the pending entries of group "g" on "s" are [["1-0", "c1", 3]]

    @since_6_2
    Scenario: The IDLE filter of XPENDING leaves out entries delivered more recently than asked
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XPENDING s g IDLE 3600000 - + 10"
      Then the reply is []

    Scenario: A consumer name restricts XPENDING to that consumer's entries
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 COUNT 1 STREAMS s >
        XREADGROUP GROUP g c2 COUNT 1 STREAMS s >
        """
      When the client sends "XPENDING s g - + 10 c2"
      Then the XPENDING reply is one row, for "2-0" owned by "c2"

    Scenario: XPENDING on an empty pending entries list replies a zero count and three nils
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XPENDING s g"
      Then the reply is [0, nil, nil, nil]

  Rule: XCLAIM hands a pending entry to another consumer once it has been idle long enough

    Scenario: XCLAIM takes nothing while the entry has been idle less than the minimum idle time
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XCLAIM s g c2 3600000 1-0"
      Then the reply is []
      And the pending entries of group "g" on "s" are [["1-0", "c1", 1]]

    Scenario: XCLAIM moves the entry to the claiming consumer and counts one more delivery
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XCLAIM s g c2 0 1-0"
      Then the reply is [["1-0", ["n", "1"]]]
      And the pending entries of group "g" on "s" are [["1-0", "c2", 2]]

    Scenario: XCLAIM with IDLE sets the idle time the entry reports
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XCLAIM s g c1 0 1-0 IDLE 600000 JUSTID"
      Then entry "1-0" of group "g" on "s" has been idle at least 600000 ms

    Scenario: XCLAIM to the owner itself with JUSTID resets the idle time without counting a delivery
      # This is how a long job extends its lease; without JUSTID the same call would count a delivery.
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XCLAIM s g c1 0 1-0 IDLE 600000 JUSTID
        """
      When the client sends "XCLAIM s g c1 0 1-0 JUSTID"
      Then the reply is ["1-0"]
      And entry "1-0" of group "g" on "s" has been idle less than 60000 ms
      And the pending entries of group "g" on "s" are [["1-0", "c1", 1]]

    @since_7_0
    Scenario: XCLAIM skips an entry deleted from the stream and drops it from the pending entries list
      # Before 7.0 it replied nil for such an entry and moved it to the claimer (redis/redis#10227;
      # Tcl: unit/type/stream-cgroups.tcl "XCLAIM with XDEL").
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 2-0
        """
      When the client sends "XCLAIM s g c2 0 1-0 2-0 3-0"
      Then the reply is [["1-0", ["n", "1"]], ["3-0", ["n", "3"]]]
      And the pending entries of group "g" on "s" are [["1-0", "c2", 2], ["3-0", "c2", 2]]

    @before_7_0
    Scenario: Before 7.0 XCLAIM replies nil for an entry deleted from the stream and still claims it
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 2-0
        """
      When the client sends "XCLAIM s g c2 0 1-0 2-0 3-0"
      Then the reply is [["1-0", ["n", "1"]], nil, ["3-0", ["n", "3"]]]
      And the pending entries of group "g" on "s" are [["1-0", "c2", 2], ["2-0", "c2", 2], ["3-0", "c2", 2]]

    Scenario: XCLAIM of an id that is not pending claims nothing
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent "XGROUP CREATE s g 0"
      When the client sends "XCLAIM s g c2 0 1-0"
      Then the reply is []

  Rule: XAUTOCLAIM scans the pending entries list like SCAN, claiming idle entries

    @since_7_0
    Scenario: XAUTOCLAIM replies the next cursor, the claimed entries and the ids of deleted entries
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 2-0
        """
      When the client sends "XAUTOCLAIM s g c2 0 0-0"
      Then the reply is ["0-0", [["1-0", ["n", "1"]], ["3-0", ["n", "3"]]], ["2-0"]]

    @since_7_0
    Scenario: XAUTOCLAIM removes entries deleted from the stream from the pending entries list
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        XDEL s 2-0
        """
      When the client sends "XAUTOCLAIM s g c2 0 0-0"
      Then the pending entries of group "g" on "s" are [["1-0", "c2", 2], ["3-0", "c2", 2]]

    @since_7_0
    Scenario: XAUTOCLAIM with COUNT stops early and replies the cursor to continue from
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 STREAMS s >
        """
      When the client sends "XAUTOCLAIM s g c2 0 0-0 COUNT 2 JUSTID"
      Then the reply is ["3-0", ["1-0", "2-0"], []]
      And "XAUTOCLAIM s g c2 0 3-0 COUNT 10 JUSTID" replies ["0-0", ["3-0", "4-0", "5-0"], []]

    @since_6_2
    Scenario: XAUTOCLAIM refuses COUNT 0
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XAUTOCLAIM s g c2 0 0-0 COUNT 0"
      Then the reply is an error saying "ERR COUNT must be > 0"

  Rule: Groups report their lag, and consumers their pending entries

    @since_7_0
    Scenario: A group created at "0" on five entries has read nothing and lags by five
      Given the stream "s" has the entries 1-0 to 5-0
      When the client sends "XGROUP CREATE s g 0"
      Then group "g" on "s" reports entries-read nil
      And group "g" on "s" reports lag 5

    @since_7_0
    Scenario: After reading two of five entries a group lags by three
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent "XGROUP CREATE s g 0"
      When the client sends "XREADGROUP GROUP g c COUNT 2 STREAMS s >"
      Then group "g" on "s" reports entries-read 2
      And group "g" on "s" reports lag 3

    @since_7_0
    Scenario: The lag is unknown (nil) once an entry at or after the group's last-delivered id is deleted
      # Redis keeps only the greatest deleted id; when it is at or after the group's last-delivered
      # id, the undelivered part has a hole Redis cannot count (streamRangeHasTombstones in
      # redis/redis src/t_stream.c). Here the deleted entry is the last one delivered.
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c COUNT 2 STREAMS s >
        """
      When the client sends "XDEL s 2-0"
      Then group "g" on "s" reports lag nil

    @since_7_0
    Scenario: Deleting an entry not yet delivered to the group makes its lag unknown too
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c COUNT 3 STREAMS s >
        """
      When the client sends "XDEL s 5-0"
      Then group "g" on "s" reports lag nil

    @since_7_0
    Scenario: Deleting an entry the group has already read leaves its lag known
      Given the stream "s" has the entries 1-0 to 5-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c COUNT 3 STREAMS s >
        """
      When the client sends "XDEL s 2-0"
      Then group "g" on "s" reports lag 2

    @since_6_2
    Scenario: XGROUP CREATECONSUMER replies 1 when it creates the consumer and 0 when it exists
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XGROUP CREATECONSUMER s g cx"
      Then the reply is 1
      And "XGROUP CREATECONSUMER s g cx" replies 0

    Scenario: XGROUP SETID back to "0" makes ">" deliver the stream again
      Given the stream "s" has the entries 1-0 to 2-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c STREAMS s >
        XGROUP SETID s g 0
        """
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the stream read delivers the ids ["1-0", "2-0"]

  Rule: XINFO CONSUMERS says how long a consumer has done nothing, and from 7.2 whether it even tried
    # From 7.2 idle counts from the consumer's last attempted read or claim, even one that got nothing,
    # and inactive from its last successful one, -1 if it never had one (redis/redis#11099; the Tcl test
    # "Consumer seen-time and active-time" in tests/unit/type/stream-cgroups.tcl). Before, idle counted
    # from the last successful read or claim, and a read that got nothing did not create the consumer.

    @since_7_2
    Scenario: A consumer that has never read an entry reports inactive -1
      Given the client has sent:
        """
        XGROUP CREATE s g $ MKSTREAM
        XGROUP CREATECONSUMER s g c
        """
      Then consumer "c" of group "g" on "s" reports inactive -1

    @since_7_2
    Scenario: From 7.2 a read that gets nothing resets a consumer's idle time but not its inactive time
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c STREAMS s >
        """
      And 300 ms have passed on the server's clock
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the reply is nil
      And consumer "c" of group "g" on "s" has been idle less than 300 ms
      And consumer "c" of group "g" on "s" has been inactive at least 300 ms

    @before_7_2
    Scenario: Before 7.2 a read that gets nothing leaves a consumer's idle time running, and there is no inactive field
      Given the stream "s" has the entries 1-0 to 1-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c STREAMS s >
        """
      And 300 ms have passed on the server's clock
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the reply is nil
      And consumer "c" of group "g" on "s" has been idle at least 300 ms
      And consumer "c" of group "g" on "s" reports no inactive field

    @since_7_2
    Scenario: From 7.2 a read that gets nothing still creates its consumer
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the reply is nil
      And the consumers of group "g" on "s" and their pending counts are [["c", 0]]

    @before_7_2
    Scenario: Before 7.2 a read that gets nothing creates no consumer
      Given the client has sent "XGROUP CREATE s g $ MKSTREAM"
      When the client sends "XREADGROUP GROUP g c STREAMS s >"
      Then the reply is nil
      And the consumers of group "g" on "s" and their pending counts are []

  Rule: Deleting a consumer drops its pending entries: nobody owns or retries them afterwards

    Scenario: XGROUP DELCONSUMER replies how many entries the consumer had pending and drops them
      Given the stream "s" has the entries 1-0 to 3-0
      And the client has sent:
        """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 COUNT 2 STREAMS s >
        XREADGROUP GROUP g c2 COUNT 1 STREAMS s >
        """
      When the client sends "XGROUP DELCONSUMER s g c1"
      Then the reply is 2
      And the pending entries of group "g" on "s" are [["3-0", "c2", 1]]
      And the consumers of group "g" on "s" and their pending counts are [["c2", 1]]
