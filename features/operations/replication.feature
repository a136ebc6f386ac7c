@needs_replica
Feature: Replication is asynchronous: a replica is a copy that trails its primary
  A primary acknowledges a write as soon as it has applied it, and only then streams it to its
  replicas. Nothing waits for them: a write the primary acknowledged vanishes if the primary dies
  before a replica has it, and WAIT only reports how many replicas caught up; it undoes nothing and
  does not choose which replica is promoted. Replicas are read-only copies: they refuse writes, never
  expire a key on their own (they wait for the primary's DEL), and receive what is PUBLISHed on the
  primary, but keyspace notifications are made by each node for itself. Function libraries are data
  and replicate; the EVAL script cache does not.
  (https://redis.io/docs/latest/operate/oss_and_stack/management/replication/)

  Rule: A replica is a read-only copy of its primary

    Scenario: A write on the primary is readable on a replica once it has caught up
      Given a primary with two replicas
      When the primary is sent "SET greeting hello"
      And the replicas have caught up
      And replica 1 is sent "GET greeting"
      Then the reply is "hello"

    Scenario: A replica refuses writes with READONLY
      Given a primary with two replicas
      When replica 1 is sent "SET greeting hello"
      Then the reply is an error saying "READONLY You can't write against a read only replica."

    Scenario: The primary counts its connected replicas
      Given a primary with two replicas
      Then the primary reports 2 connected replicas

    Scenario: A replica that reconnects resumes from the backlog instead of a full copy
      # PSYNC: the primary keeps a backlog of its replication stream (repl-backlog-size), so a replica
      # that lost its link only fetches what it missed.
      Given a primary with two replicas
      And the primary has been sent "SET greeting hello"
      When the primary drops its replicas' connections
      Then both replicas resumed with a partial resync

  Rule: Nothing waits for the replicas, and WAIT only counts them

    Scenario: WAIT replies how many replicas acknowledged the connection's writes
      Given a primary with two replicas
      When the primary is sent "SET greeting hello"
      And the primary is sent "WAIT 2 1000"
      Then the reply is 2

    Scenario: WAIT counts only the replicas that acknowledged before it timed out
      Given a primary with two replicas started for this scenario
      And replica 2 is cut off from the primary
      When the primary is sent "SET greeting hello"
      And the primary is sent "WAIT 2 200"
      Then the reply is 1

    Scenario: A write no replica acknowledged stays applied on the primary
      # https://redis.io/commands/wait/: "WAIT does not make Redis a strongly consistent store";
      # a timed-out WAIT is a report, not a rollback.
      Given a primary with two replicas started for this scenario
      And both replicas are cut off from the primary
      And the primary has been sent "SET greeting hello"
      And the primary has been sent "WAIT 1 100"
      Then the reply is 0
      And "GET greeting" on the primary replies "hello"

    Scenario: A write the primary acknowledged is lost when it dies before a replica has it
      Given a primary with two replicas started for this scenario
      And both replicas are cut off from the primary
      When the primary is sent "SET order:1 paid"
      Then the reply is "OK"
      When the primary is killed
      And replica 1 is promoted to primary
      Then "GET order:1" on replica 1 replies nil

    Scenario: A write WAIT saw on one replica is lost when the other replica is promoted
      Given a primary with two replicas started for this scenario
      And replica 2 is cut off from the primary
      When the primary is sent "SET order:1 paid"
      And the primary is sent "WAIT 1 1000"
      Then the reply is 1
      When the primary is killed
      And replica 2 is promoted to primary
      Then "GET order:1" on replica 2 replies nil

    @since_7_2
    Scenario: WAITAOF replies the local fsync and the replicas' fsyncs separately
      # WAITAOF (Redis 7.2) waits for the AOF fsync; these replicas run without AOF, so none counts.
      # Under appendfsync everysec the fsync comes within about a second, later on a loaded machine:
      # a 1000 ms timeout once expired first ([0, 0]), so the bound is generous; WAITAOF replies at the fsync.
      Given a primary with two replicas started for this scenario
      And the primary has been sent "CONFIG SET appendonly yes"
      And the primary has finished rewriting its append-only file
      When the primary is sent "SET greeting hello"
      And the primary is sent "WAITAOF 1 0 10000"
      Then the reply is [1, 0]

    @since_7_2
    Scenario: WAITAOF does not count a replica that does not persist with AOF
      # With appendfsync always the primary has fsynced before it replies, so the local count is 1.
      Given a primary with two replicas started for this scenario
      And the primary has been sent "CONFIG SET appendonly yes"
      And the primary has been sent "CONFIG SET appendfsync always"
      And the primary has finished rewriting its append-only file
      When the primary is sent "SET greeting hello"
      And the primary is sent "WAITAOF 0 1 200"
      Then the reply is [1, 0]

    @since_7_2
    Scenario: WAITAOF refuses to wait for a local fsync when AOF is off
      Given a primary with two replicas
      When the primary is sent "WAITAOF 1 0 100"
      Then the reply is an error saying "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled."

  Rule: A replica never expires a key itself; it waits for the primary's DEL

    # Since Redis 3.2 a replica answers reads as if the key had expired, but only the primary deletes
    # it and replicates the DEL (https://redis.io/commands/expire/, "How expires are handled in the
    # replication link and AOF file"). Active expiry is switched off on the primary to show the gap.
    @needs_debug
    Scenario: A key past its deadline reads as missing on a replica but is still stored there
      Given a primary with two replicas
      And the primary has been sent "DEBUG SET-ACTIVE-EXPIRE 0"
      And the primary has been sent "SET session:1 alice PX 100"
      And the replicas have caught up
      Then within 5 seconds "EXISTS session:1" on replica 1 replies 0
      And "DBSIZE" on replica 1 replies 1

    @needs_debug
    Scenario: The primary's expiry of a key deletes it on the replica
      Given a primary with two replicas
      And the primary has been sent "DEBUG SET-ACTIVE-EXPIRE 0"
      And the primary has been sent "SET session:1 alice PX 100"
      And the replicas have caught up
      And within 5 seconds "EXISTS session:1" on replica 1 replies 0
      When the primary is sent "GET session:1"
      And the replicas have caught up
      Then "DBSIZE" on replica 1 replies 0

  Rule: Pub/Sub crosses replication; keyspace notifications are made by each node for itself

    Scenario: A message PUBLISHed on the primary reaches a subscriber of a replica
      Given a primary with two replicas
      And a subscriber on replica 1 to the channel "news"
      When the primary is sent "PUBLISH news hello"
      Then the subscriber on replica 1 receives "hello" on "news"

    Scenario: A keyspace event of the primary is not delivered to a subscriber of a replica
      # The marker is published after the write, down the same replication stream: had the event been
      # forwarded, it would arrive first.
      Given a primary with two replicas
      And the primary has been sent "CONFIG SET notify-keyspace-events KA"
      And a subscriber on replica 1 to the keyspace events of "greeting" and the channel "marker"
      When the primary is sent "SET greeting hello"
      And the primary is sent "PUBLISH marker done"
      Then the subscriber on replica 1 receives "done" on "marker" first

    Scenario: A replica with notifications enabled reports the replicated write as its own event
      Given a primary with two replicas
      And replica 1 has been sent "CONFIG SET notify-keyspace-events KA"
      And a subscriber on replica 1 to the keyspace events of "greeting" and the channel "marker"
      When the primary is sent "SET greeting hello"
      Then the subscriber on replica 1 receives "set" on the keyspace channel of "greeting"

  Rule: Functions are data and replicate; the script cache is not

    @since_7_0
    Scenario: A function library loaded on the primary can be called on a replica
      Given a primary with two replicas
      When the primary loads the function library:
        """
        #!lua name=opslib
        redis.register_function{function_name='ops_hello', callback=function() return 'hi' end, flags={'no-writes'}}
        """
      And the replicas have caught up
      And replica 1 is sent "FCALL_RO ops_hello 0"
      Then the reply is "hi"

    # Since 7.0 neither SCRIPT LOAD nor EVAL propagates the script, only its effects (redis/redis#9812).
    @since_7_0
    Scenario: A script loaded on the primary is unknown to a replica
      Given a primary with two replicas
      When the primary is sent "SCRIPT LOAD 'return 1'"
      And the replicas have caught up
      Then "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db" on the primary replies [1]
      And "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db" on replica 1 replies [0]

    # Before 7.0 SCRIPT LOAD was propagated, so that an EVALSHA replicated verbatim found its script.
    @before_7_0
    Scenario: Before 7.0 a script loaded on the primary is loaded on its replicas too
      Given a primary with two replicas
      When the primary is sent "SCRIPT LOAD 'return 1'"
      And the replicas have caught up
      Then "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db" on the primary replies [1]
      And "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db" on replica 1 replies [1]
