@needs_replica
Feature: Sentinel fails over by itself; clients must follow, and the old primary's last writes may be gone
  Three sentinels watch a primary and its two replicas. When the primary stops answering for longer
  than down-after-milliseconds (here 400 ms), the sentinels agree that it is down, elect a leader, and
  the leader promotes a replica and points the other one at it. A client that asks Sentinel where the
  primary is (redis-py's Sentinel client) follows; a client of the old address gets a connection error,
  or READONLY once the old primary comes back as a replica. Whatever the old primary acknowledged but had
  not replicated is gone: a lock taken there can be taken again, and a fencing counter kept there can
  hand out the same token twice — unless each token was confirmed on every replica with WAIT.
  (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/,
  https://redis.io/docs/latest/develop/use/patterns/distributed-locks/)

  Rule: Sentinel knows the topology, and tells clients where the primary is

    Scenario: Every sentinel names the primary's address
      Given a primary watched by three sentinels
      Then every sentinel names the primary's address

    Scenario: A sentinel knows both replicas and the two other sentinels
      Given a primary watched by three sentinels
      Then the first sentinel lists 2 replicas and 2 other sentinels

    Scenario: redis-py's Sentinel client writes to the primary and reads from a replica
      Given a primary watched by three sentinels
      When the Sentinel client writes "greeting" = "hello" to the primary
      And the replicas have caught up
      Then the Sentinel client reads "hello" for "greeting" from a replica

  Rule: When the primary stops answering, Sentinel promotes a replica

    Scenario: Sentinel promotes a replica when the primary dies
      Given a primary watched by three sentinels, for this scenario
      When the primary is killed
      Then within 30 seconds every sentinel names one of the replicas as the primary
      And "SET after-failover yes" on the new primary replies "OK"

    Scenario: The other replica follows the new primary
      Given a primary watched by three sentinels, for this scenario
      When the primary is killed
      And Sentinel has failed over
      Then the remaining replica replicates from the new primary

    Scenario: A client of the dead primary gets a connection error
      Given a primary watched by three sentinels, for this scenario
      And the primary has an open client connection
      When the primary is killed
      And the primary is sent "PING"
      Then the connection fails

    Scenario: redis-py's Sentinel client finds the new primary and the writes every replica had
      Given a primary watched by three sentinels, for this scenario
      And the Sentinel client has written "greeting" = "hello" to the primary
      And the replicas have caught up
      When the primary is killed
      And Sentinel has failed over
      Then the Sentinel client reads "hello" for "greeting" from the primary

    Scenario: A restarted old primary accepts writes until Sentinel demotes it
      # It comes back as a primary of its own (empty here, without persistence); Sentinel waits a few
      # seconds before reconfiguring it, and a client that still has its address writes into the void.
      Given a primary watched by three sentinels, for this scenario
      When the primary is killed
      And Sentinel has failed over
      And the old primary is started again
      Then "SET stray yes" on the old primary replies "OK"

    @slow
    Scenario: Sentinel turns the restarted old primary into a replica of the new one
      Given a primary watched by three sentinels, for this scenario
      When the primary is killed
      And Sentinel has failed over
      And the old primary is started again
      Then within 40 seconds the old primary becomes a replica of the new primary

  Rule: A manual failover demotes a live primary, and Sentinel disconnects its clients
    # These take about 10 s each: Sentinel reconfigures a demoted primary only after it has kept
    # reporting the wrong role for four hello periods (8 s).

    @slow
    Scenario: SENTINEL FAILOVER closes the demoted primary's client connections
      # Sentinel reconfigures the old primary with MULTI, REPLICAOF, CLIENT KILL TYPE normal, EXEC, so
      # that no client keeps writing to it (redis/redis src/sentinel.c, sentinelSendSlaveOf).
      Given a primary watched by three sentinels, for this scenario
      And the primary has an open client connection
      When the first sentinel is sent "SENTINEL FAILOVER ops-primary"
      And Sentinel has failed over
      And the old primary has become a replica of the new primary
      And the old primary is sent "PING"
      Then the connection fails

    Scenario: The demoted primary refuses writes with READONLY
      Given a primary watched by three sentinels, for this scenario
      When the first sentinel is sent "SENTINEL FAILOVER ops-primary"
      And Sentinel has failed over
      And the old primary has become a replica of the new primary
      And the old primary is sent "SET stray yes"
      Then the reply is an error saying "READONLY You can't write against a read only replica."

  Rule: What the old primary did not replicate is gone, locks and fencing counters included

    Scenario: Two clients hold the same lock after a failover that lost the lock's write
      # The well-known counter-example to a lock on one replicated Redis
      # (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/, "Why failover-based
      # implementations are not enough").
      Given a primary watched by three sentinels, for this scenario
      And both replicas are cut off from the primary
      When the primary is sent "SET lock:report client-a NX PX 30000"
      Then the reply is "OK"
      When the primary is killed
      And Sentinel has failed over
      And the new primary is sent "SET lock:report client-b NX PX 30000"
      Then the reply is "OK"

    Scenario: A fencing counter hands out the same token twice after a failover that lost an increment
      Given a primary watched by three sentinels, for this scenario
      And the primary has been sent "SET fence 3"
      And the replicas have caught up
      And both replicas are cut off from the primary
      When the primary is sent "INCR fence"
      Then the reply is 4
      When the primary is killed
      And Sentinel has failed over
      And the new primary is sent "INCR fence"
      Then the reply is 4

    Scenario: A fencing token WAIT confirmed on every replica is never handed out again
      Given a primary watched by three sentinels, for this scenario
      And the primary has been sent "SET fence 3"
      When the primary is sent "INCR fence"
      And the primary is sent "WAIT 2 1000"
      Then the reply is 2
      When the primary is killed
      And Sentinel has failed over
      And the new primary is sent "INCR fence"
      Then the reply is 5
