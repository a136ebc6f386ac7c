Feature: PUBSUB shows which channels and patterns have listeners right now
  PUBSUB CHANNELS, NUMSUB and NUMPAT look at the live subscriptions of the server. They are a
  snapshot of who listens at this instant, not a history: a channel nobody listens to is not
  listed at all, and patterns are counted apart from channels.

  Rule: PUBSUB CHANNELS and NUMSUB describe channel subscriptions only

    Scenario: PUBSUB CHANNELS lists the channels with at least one subscriber, filtered by a glob
      Given subscriber "A" subscribes to "news", "sport"
      And subscriber "B" subscribes to "news"
      And subscriber "C" subscribes to the pattern "ne*"
      Then "PUBSUB CHANNELS ne*" lists ["news"]
      And "PUBSUB CHANNELS" lists ["news", "sport"]

    Scenario: PUBSUB NUMSUB counts the subscribers of each channel, 0 for a channel nobody listens to
      Given subscriber "A" subscribes to "news"
      And subscriber "B" subscribes to "news"
      And subscriber "C" subscribes to the pattern "news"
      When the publisher sends "PUBSUB NUMSUB news nobody"
      Then the reply is ["news", 2, "nobody", 0]

    Scenario: A channel disappears from PUBSUB CHANNELS when its last subscriber leaves
      Given subscriber "A" subscribes to "news"
      When subscriber "A" unsubscribes from every channel
      Then "PUBSUB CHANNELS" lists []

  Rule: PUBSUB NUMPAT counts distinct patterns across all clients

    @own_server @since_6_2
    Scenario: PUBSUB NUMPAT counts a pattern used by two clients once
      # Before 6.2 NUMPAT counted every pattern subscription; 6.2 counts distinct patterns
      # (redis/redis#8472).
      Given subscriber "A" subscribes to the patterns "foo*", "bar*"
      And subscriber "B" subscribes to the patterns "foo*", "baz*"
      Then within 5 seconds "PUBSUB NUMPAT" replies 3
