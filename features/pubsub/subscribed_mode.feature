Feature: A subscribed connection belongs to Pub/Sub: what it may still do under RESP2 and RESP3
  Under RESP2 a client that subscribes enters "subscribed mode": the connection now carries
  pushed messages, and only the (un)subscribe commands, PING, QUIT and RESET are accepted on it.
  That is why every subscriber needs its own connection, separate from the one that runs commands.
  RESP3 tags pushed messages as push frames, so the same connection may run any command while
  messages arrive in between the replies.

  Rule: Under RESP2 a subscribed connection runs only Pub/Sub commands, PING, QUIT and RESET

    @resp2_only @since_6_2
    Scenario: Under RESP2 a subscribed connection refuses GET and names the commands it allows
      Given subscriber "A" subscribes to "chan1"
      When subscriber "A" sends "GET k"
      Then subscriber "A" got an error saying "UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"

    @resp2_only
    Scenario: Under RESP2 PING in subscribed mode replies with an array, not +PONG
      Given subscriber "A" subscribes to "chan1"
      When subscriber "A" sends "PING"
      Then subscriber "A" got the reply ["pong", ""]

    @resp2_only
    Scenario: Under RESP2 a connection that unsubscribed from everything runs commands again
      Given subscriber "A" subscribes to "chan1"
      And subscriber "A" unsubscribes from every channel
      When subscriber "A" sends "GET k"
      Then subscriber "A" got the reply nil

  Rule: Under RESP3 messages are push frames, so a subscribed connection may run any command

    @resp3_only
    Scenario: Under RESP3 a subscribed connection runs GET and still receives its messages
      Given subscriber "A" subscribes to "chan1"
      And the client has sent "SET k v"
      When subscriber "A" sends "GET k"
      And the publisher sends "PUBLISH chan1 hello"
      Then subscriber "A" got the reply "v"
      And subscriber "A" receives ["message", "chan1", "hello"]

    @resp3_only
    Scenario: Under RESP3 PING on a subscribed connection replies a plain PONG
      Given subscriber "A" subscribes to "chan1"
      When subscriber "A" sends "PING"
      Then subscriber "A" got the reply "PONG"

    @resp3_only @since_7_2
    Scenario: Under RESP3 a client publishing to its own channel gets the PUBLISH reply before the message
      Given subscriber "A" subscribes to "foo"
      When subscriber "A" sends "PUBLISH foo vaz"
      Then subscriber "A" got the reply 1 before any message
      And subscriber "A" receives ["message", "foo", "vaz"]

  Rule: RESET takes a connection out of subscribed mode

    @since_6_2
    Scenario: After RESET a former subscriber is no longer counted by PUBLISH
      Given subscriber "A" subscribes to "chan1"
      When subscriber "A" sends "RESET"
      And the publisher sends "PUBLISH chan1 hello"
      Then subscriber "A" got the reply "RESET"
      And the reply is 0

  Rule: Each subscriber is its own connection in Pub/Sub mode

    Scenario: Three subscribers are three connections that the server lists as Pub/Sub clients
      Given subscriber "A" is named for this scenario
      And subscriber "B" is named for this scenario
      And subscriber "C" is named for this scenario
      When subscriber "A" subscribes to "chan1"
      And subscriber "B" subscribes to "chan1"
      And subscriber "C" subscribes to the pattern "chan*"
      Then within 5 seconds the server lists 3 Pub/Sub connections of this scenario
