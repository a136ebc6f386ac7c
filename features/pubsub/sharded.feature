Feature: Sharded Pub/Sub is a separate set of channels, routed by hash slot
  Redis 7.0 adds SSUBSCRIBE and SPUBLISH. In a cluster a shard channel belongs to the shard
  that owns its hash slot: a message is propagated to every node of that shard, primary and
  replicas (where subscribers may be connected), and not across the rest of the cluster bus;
  on a standalone server the commands work too. Shard channels and ordinary channels are
  separate namespaces: neither kind of publish reaches the other kind of subscriber, and
  patterns never see shard messages.

  Rule: SPUBLISH delivers to shard subscribers only

    @since_7_0_1
    Scenario: SPUBLISH returns the number of shard subscribers, which receive an smessage
      # 7.0.0 pushed these as "message"; "smessage" came in 7.0.1 (redis/redis#10792).
      Given subscriber "A" shard-subscribes to "orders"
      When the publisher sends "SPUBLISH orders o-1"
      Then the reply is 1
      And subscriber "A" receives ["smessage", "orders", "o-1"]

    @since_7_0
    Scenario: SPUBLISH does not reach SUBSCRIBE or PSUBSCRIBE clients of the same name
      Given subscriber "A" subscribes to "orders"
      And subscriber "B" subscribes to the pattern "*"
      When the publisher sends "SPUBLISH orders o-1"
      Then the reply is 0

    @since_7_0
    Scenario: PUBLISH does not reach SSUBSCRIBE clients of the same name
      Given subscriber "A" shard-subscribes to "orders"
      When the publisher sends "PUBLISH orders o-1"
      Then the reply is 0

    @since_7_0
    Scenario: PUBSUB SHARDNUMSUB and SHARDCHANNELS see shard subscriptions, which NUMSUB does not
      Given subscriber "A" shard-subscribes to "orders"
      Then "PUBSUB SHARDCHANNELS" lists ["orders"]
      And "PUBSUB SHARDNUMSUB orders" lists ["orders", 1]
      And "PUBSUB NUMSUB orders" lists ["orders", 0]
