@needs_replica
Feature: In a cluster, slots move and primaries change while clients follow the redirections
  A Redis Cluster splits the keyspace into 16384 slots, each owned by one primary. A node that does
  not own a key's slot answers MOVED with the owner's address; a command whose keys are in different
  slots is refused with CROSSSLOT. While a slot migrates, the old and the new owner share it: the old
  one serves the keys it still has and answers ASK for the others, the new one serves a key only to a
  client that sent ASKING first, and a multi-key command whose keys are split between them gets
  TRYAGAIN. redis-py's cluster client follows MOVED and ASK by itself. CLUSTER FAILOVER, sent to a
  replica, swaps it with its primary without losing an acknowledged write.
  (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/)

  Rule: A slot has one owner, and other nodes redirect to it

    Scenario: A node that does not own a key's slot answers MOVED with the owner's address
      Given a cluster of three primaries with a replica each
      When the other primary is sent "GET greeting"
      Then the reply redirects with "MOVED" to the owner

    Scenario: A command whose keys are in different slots is refused with CROSSSLOT
      Given a cluster of three primaries with a replica each
      When the owner is sent "MSET a 1 b 2" with the keys as written
      Then the reply is an error saying "CROSSSLOT Keys in request don't hash to the same slot"

    Scenario: Keys that share a hash tag can be written together
      Given a cluster of three primaries with a replica each
      When the owner is sent "MSET first 1 second 2"
      Then the reply is "OK"

    Scenario: A replica redirects reads to its primary
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the replicas have caught up
      When the owner's replica is sent "GET greeting"
      Then the reply redirects with "MOVED" to the owner

    Scenario: A replica serves reads on a connection that sent READONLY
      # https://redis.io/commands/readonly/: reads from a replica are opt-in, per connection.
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the replicas have caught up
      When the owner's replica is sent "READONLY"
      And the owner's replica is sent "GET greeting"
      Then the reply is "hello"

  Rule: While a slot migrates, its two owners share it through ASK

    Scenario: The migrating node still serves the keys it has
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      When the owner is sent "GET greeting"
      Then the reply is "hello"

    Scenario: The migrating node answers ASK for a key it does not have
      Given a cluster of three primaries with a replica each
      And the slot of the scenario's keys is migrating from the owner to the other primary
      When the owner is sent "GET missing"
      Then the reply redirects with "ASK" to the other primary

    Scenario: MIGRATE moves a key, and the migrating node then answers ASK for it
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the owner is sent "GET greeting"
      Then the reply redirects with "ASK" to the other primary

    Scenario: The importing node answers MOVED to a client that did not send ASKING
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the other primary is sent "GET greeting"
      Then the reply redirects with "MOVED" to the owner

    Scenario: The importing node serves a migrated key right after ASKING
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the other primary is sent "ASKING"
      And the other primary is sent "GET greeting"
      Then the reply is "hello"

    Scenario: ASKING covers only the next command
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the other primary is sent "ASKING"
      And the other primary is sent "GET greeting"
      And the other primary is sent "GET greeting"
      Then the reply redirects with "MOVED" to the owner

    # Since 7.0.3 the migrating node answers TRYAGAIN when it holds only some of the keys; it used to
    # send ASK, and the importing node then answered TRYAGAIN too (redis/redis#9526).
    @since_7_0_3
    Scenario: A multi-key command whose keys are split mid-migration gets TRYAGAIN
      Given a cluster of three primaries with a replica each
      And the owner has been sent "MSET first 1 second 2"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "first" to the other primary
      When the owner is sent "MGET first second"
      Then the reply is an error saying "TRYAGAIN Multiple keys request during rehashing of slot"

    @before_7_0_3
    Scenario: Before 7.0.3 a multi-key command whose keys are split mid-migration is sent on with ASK
      Given a cluster of three primaries with a replica each
      And the owner has been sent "MSET first 1 second 2"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "first" to the other primary
      When the owner is sent "MGET first second"
      Then the reply redirects with "ASK" to the other primary

    Scenario: redis-py's cluster client follows ASK to a migrated key
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the cluster client reads "greeting"
      Then the reply is "hello"

    Scenario: redis-py's cluster client writes a new key of a migrating slot on the importing node
      Given a cluster of three primaries with a replica each
      And the slot of the scenario's keys is migrating from the owner to the other primary
      When the cluster client writes "fresh" = "yes"
      And the other primary is sent "ASKING"
      And the other primary is sent "GET fresh"
      Then the reply is "yes"

    Scenario: Once the slot is assigned to the importing node, the old owner answers MOVED
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      And the slot of the scenario's keys is migrating from the owner to the other primary
      And the owner has migrated "greeting" to the other primary
      When the slot is assigned to the other primary
      And the owner is sent "GET greeting"
      Then the reply redirects with "MOVED" to the other primary

  Rule: CLUSTER FAILOVER swaps a primary and its replica without losing a write

    Scenario: A replica promoted by CLUSTER FAILOVER owns the slot and has the data
      Given a cluster of three primaries with a replica each
      And the owner has been sent "SET greeting hello"
      When the owner's replica is sent "CLUSTER FAILOVER"
      Then within 15 seconds the owner's replica owns the slot
      And "GET greeting" on the owner's replica replies "hello"

    Scenario: The demoted primary redirects to the promoted replica
      Given a cluster of three primaries with a replica each
      When the owner's replica is sent "CLUSTER FAILOVER"
      Then within 15 seconds the owner's replica owns the slot
      When the owner is sent "GET greeting"
      Then the reply redirects with "MOVED" to the owner's replica

    Scenario: redis-py's cluster client writes to the promoted replica after CLUSTER FAILOVER
      Given a cluster of three primaries with a replica each
      And the cluster client has read "greeting"
      When the owner's replica is sent "CLUSTER FAILOVER"
      Then within 15 seconds the owner's replica owns the slot
      When the cluster client writes "greeting" = "bye"
      Then "GET greeting" on the owner's replica replies "bye"

  Rule: Pub/Sub crosses the cluster bus; keyspace notifications stay on their node

    Scenario: A message published on one node reaches a subscriber of another
      Given a cluster of three primaries with a replica each
      And a subscriber on the other primary to the channel "news"
      When the owner is sent "PUBLISH news hello"
      Then the subscriber on the other primary receives "hello" on "news"

    Scenario: A keyspace event is published only on the node that owns the key
      # https://redis.io/docs/latest/develop/use/keyspace-notifications/: events are not broadcast to
      # the other nodes; subscribe on every node. The marker travels the cluster bus after the event.
      Given a cluster of three primaries with a replica each
      And the owner has been sent "CONFIG SET notify-keyspace-events KA"
      And the other primary has been sent "CONFIG SET notify-keyspace-events KA"
      And a subscriber on the other primary to the keyspace events of "greeting" and the channel "marker"
      When the owner is sent "SET greeting hello"
      And the owner is sent "PUBLISH marker done"
      Then the subscriber on the other primary receives "done" on "marker" first
