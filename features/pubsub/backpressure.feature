Feature: A subscriber that cannot keep up is disconnected, and the others do not notice
  The server queues every message for every subscriber in that client's output buffer. A
  subscriber that stops reading makes its buffer grow until it passes
  `client-output-buffer-limit pubsub` (default hard 32 MB, soft 8 MB for 60 s): then the server
  closes that connection. What was already in the socket can still be read, then the connection
  ends, and every later message is lost for it. A subscriber that reads in time is unaffected.
  This is Pub/Sub's backpressure: it protects the server, not the slow reader.

  Rule: The output buffer limit for Pub/Sub clients is a server setting

    Scenario: The default output buffer limit of Pub/Sub clients is 32 MB hard, 8 MB soft for 60 seconds
      When the client sends "CONFIG GET client-output-buffer-limit"
      Then the reply is ["client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"]

  Rule: Passing the hard limit disconnects the slow subscriber only

    @own_server
    Scenario: A subscriber that never reads is disconnected at the hard limit while one that reads gets every message
      Given the server setting "client-output-buffer-limit" is "pubsub 1mb 0 0"
      And subscriber "slow" subscribes to "firehose"
      And subscriber "fast" subscribes to "firehose"
      When the publisher floods "firehose" with 50 kB messages, while subscriber "fast" keeps reading, until only 1 subscriber receives them
      Then subscriber "slow" is disconnected by the server
      And subscriber "fast" received every flood message
      And the server log says "scheduled to be closed ASAP for overcoming of output buffer limits"
