Feature: XREAD reads what comes after an id, waits for new entries, and since 7.4 reads the last one
  XREAD without a group reads a stream from an id the reader keeps itself: it returns the
  entries after that id, so a reader that remembers the last id it saw never reads one twice.
  "$" stands for the stream's last id at the moment of the call, which only makes sense with
  BLOCK: the reader then waits for the next entry and gets only that one. BLOCK with a timeout
  replies nil when nothing came, but not to the millisecond: the server notices an expired BLOCK
  when it next wakes up, and an idle server wakes up hz times a second (serverCron, hz 10 by
  default), so a 5 ms BLOCK on an idle server lasts until the next tick, up to 100 ms ("the actual
  granularity depends on server.hz", antirez on redis/redis#2774). Since Redis 7.4 "+" reads the
  last entry of the stream (redis/redis#7388; Tcl: unit/type/stream.tcl "XREAD last element from
  non-empty stream").

  Rule: XREAD returns the entries after the id it is given

    Scenario: XREAD returns the entries after the id, not the entry with that id
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD STREAMS s 1-0"
      Then the stream read delivers the ids ["2-0", "3-0"]

    Scenario: XREAD after the last id replies nil, not an empty list
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD STREAMS s 3-0"
      Then the reply is nil

  Rule: "$" is the last id at the time of the call, so it waits for entries added later

    Scenario: XREAD with "$" and no BLOCK replies nil at once, even on a stream with entries
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD STREAMS s $"
      Then the reply is nil

    Scenario: A blocked XREAD with "$" is woken by the next XADD and gets only that entry
      Given the stream "s" has the entries 1-0 to 3-0
      When client "A" is blocked in "XREAD BLOCK 10000 STREAMS s $"
      And client "B" sends "XADD s 7-0 n 7"
      Then client "A" is woken with the ids ["7-0"]

    Scenario: XREAD BLOCK replies nil when nothing arrives before its timeout
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD BLOCK 50 STREAMS s $"
      Then the reply is nil

    Scenario: A blocked XREAD with an old id answers at once with what is already there
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD BLOCK 10000 STREAMS s 2-0"
      Then the stream read delivers the ids ["3-0"]

  Rule: A BLOCK timeout ends when the server next wakes up, so on an idle server it is rounded up to a tick of hz

    # Standalone only: a cluster node also wakes up for the cluster bus, at times of its own.
    @own_server @standalone_only
    Scenario: On an idle server at hz 10 a 5 ms XREAD BLOCK replies nil only at the next tick, 50 to 100 ms later
      When the client times 4 calls of "XREAD BLOCK 5 STREAMS s $" in a row at hz 10
      Then every call at hz 10 but the first took at least 50 ms

    @own_server @standalone_only
    Scenario: Raising hz from 10 to 100 ends a 5 ms BLOCK on an idle server about ten times sooner
      When the client times 4 calls of "XREAD BLOCK 5 STREAMS s $" in a row at hz 10 and 100
      Then the median call at hz 100 is at least 3 times shorter than at hz 10

  Rule: Since Redis 7.4 "+" reads the last entry

    @since_7_4
    Scenario: XREAD with "+" reads only the last entry of the stream, whatever COUNT says
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD COUNT 3 STREAMS s +"
      Then the stream read delivers the ids ["3-0"]

    @since_7_4
    Scenario: XREAD with "+" on a missing stream replies nil
      When the client sends "XREAD STREAMS s +"
      Then the reply is nil

    @since_7_4
    Scenario: A blocked XREAD with "+" on a missing stream is woken by the first XADD
      When client "A" is blocked in "XREAD BLOCK 10000 STREAMS s +"
      And client "B" sends "XADD s 1-0 n 1"
      Then client "A" is woken with the ids ["1-0"]

    @before_7_4 @redis_only
    Scenario: Before 7.4 "+" is not a valid id for XREAD
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD STREAMS s +"
      Then the reply is an error saying "ERR Invalid stream ID specified as stream command argument"

    # Valkey reports redis_version 7.2.4 but forked after "+" was added (redis/redis#13117, March 2024),
    # so it reads the last entry although its version says 7.2 (valkey-io/valkey#2728 is about it).
    @valkey_only
    Scenario: On Valkey, whose redis_version says 7.2, XREAD with "+" reads only the last entry
      Given the stream "s" has the entries 1-0 to 3-0
      When the client sends "XREAD COUNT 3 STREAMS s +"
      Then the stream read delivers the ids ["3-0"]
