Feature: Pub/Sub delivers a message to whoever listens at that moment, and keeps nothing
  PUBLISH hands a message to the clients subscribed to the channel (or to a matching pattern)
  at that instant and forgets it. The reply counts the deliveries made on the node that ran
  PUBLISH: a client subscribed to the channel and to a matching pattern counts twice, and in a
  cluster the clients of the other nodes are not counted. Nobody who subscribes later,
  or was disconnected at the time, will ever see it: Pub/Sub is at-most-once and stores nothing.
  Each subscriber gets its own copy, in publish order. This file shows what a receiver count
  means, how patterns match, and why a client subscribed twice (channel and pattern) hears twice.

  Rule: PUBLISH reaches the current subscribers and says how many there were

    Scenario: PUBLISH to a channel nobody listens to returns 0 and the message is gone
      When the publisher sends "PUBLISH nobody hello"
      Then the reply is 0

    Scenario: Every subscriber of a channel gets its own copy and PUBLISH counts them all
      Given subscriber "A" subscribes to "chan1"
      And subscriber "B" subscribes to "chan1"
      When the publisher sends "PUBLISH chan1 hello"
      Then the reply is 2
      And subscriber "A" receives ["message", "chan1", "hello"]
      And subscriber "B" receives ["message", "chan1", "hello"]

    Scenario: A message published before a client subscribed never reaches it: nothing is stored
      Given the publisher has sent "PUBLISH news before"
      And subscriber "A" subscribes to "news"
      When the publisher sends "PUBLISH news after"
      Then the reply is 1
      And subscriber "A" receives ["message", "news", "after"]

    Scenario: PUBLISH inside MULTI is delivered at EXEC, which returns the receiver count
      Given subscriber "A" subscribes to "chan1"
      And the publisher has sent "MULTI"
      And the publisher has sent "PUBLISH chan1 queued"
      When the publisher sends "EXEC"
      Then the reply is [1]
      And subscriber "A" receives ["message", "chan1", "queued"]

    @needs_databases
    Scenario: Pub/Sub ignores database numbers: a subscriber on db 5 hears a publish made on db 0
      Given subscriber "A" has sent "SELECT 5"
      And subscriber "A" subscribes to "dbchan"
      When the publisher sends "PUBLISH dbchan hi"
      Then the reply is 1
      And subscriber "A" receives ["message", "dbchan", "hi"]

    @since_7_0_1
    Scenario: A read-only script may not publish, because PUBLISH may replicate
      # PUBLISH is not a write command (its flags are pubsub, loading, stale, fast, may-replicate);
      # since 7.0.1 read-only scripts refuse may-replicate commands too (redis/redis#10744).
      When the client sends "EVAL_RO 'return redis.call([[publish]], [[c]], [[m]])' 0"
      Then the reply is an error starting with "ERR Write commands are not allowed from read-only scripts. script: " and ending with ", on @user_script:1."

  Rule: Each subscriber receives the messages in the order they were published

    Scenario: A subscriber reads a channel's messages in publish order
      Given subscriber "A" subscribes to "news"
      When the publisher has sent:
        """
        PUBLISH news 1
        PUBLISH news 2
        PUBLISH news 3
        """
      Then subscriber "A" receives, in order:
        """
        ["message", "news", "1"]
        ["message", "news", "2"]
        ["message", "news", "3"]
        """

  Rule: Patterns are globs, and every matching subscription delivers its own copy

    Scenario: A pattern matches with glob rules, where "." is a literal dot
      Given subscriber "A" subscribes to the pattern "foo.*"
      When the publisher has sent:
        """
        PUBLISH foo1 no
        PUBLISH barfoo.1 no
        PUBLISH foo.1 yes
        """
      Then subscriber "A" receives ["pmessage", "foo.*", "foo.1", "yes"]

    Scenario: A client subscribed to a channel and to a matching pattern receives the message twice
      Given subscriber "A" subscribes to "news"
      And subscriber "A" subscribes to the pattern "n*"
      When the publisher sends "PUBLISH news hello"
      Then the reply is 2
      And subscriber "A" receives, in order:
        """
        ["message", "news", "hello"]
        ["pmessage", "n*", "news", "hello"]
        """

    Scenario: Two patterns of one client that both match deliver the message twice
      Given subscriber "A" subscribes to the patterns "foo.*", "foo.?x"
      When the publisher sends "PUBLISH foo.ax b"
      Then the reply is 2

  Rule: Subscribing is idempotent and its replies count the client's subscriptions

    Scenario: Subscribing to the same channel three times keeps one subscription and one delivery
      Given subscriber "A" subscribes to "chan1", "chan1", "chan1"
      When the publisher sends "PUBLISH chan1 once"
      Then subscriber "A" got the confirmations [["subscribe", "chan1", 1], ["subscribe", "chan1", 1], ["subscribe", "chan1", 1]]
      And the reply is 1
      And subscriber "A" receives ["message", "chan1", "once"]

    Scenario: The count in a subscribe reply is the client's channels plus patterns
      Given subscriber "A" subscribes to "news"
      When subscriber "A" subscribes to the pattern "n*"
      Then subscriber "A" got the confirmations [["psubscribe", "n*", 2]]

    Scenario: UNSUBSCRIBE and PUNSUBSCRIBE with no arguments still reply on a client with no subscriptions
      When subscriber "A" unsubscribes from every channel
      Then subscriber "A" got the confirmations [["unsubscribe", nil, 0]]
      When subscriber "A" unsubscribes from every pattern
      Then subscriber "A" got the confirmations [["punsubscribe", nil, 0]]
