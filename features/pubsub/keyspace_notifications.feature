Feature: Keyspace notifications are Pub/Sub messages, fire-and-forget like any other
  With `notify-keyspace-events` set, the server itself publishes an event when a key changes:
  on `__keyspace@<db>__:<key>` (the event name is the message) and on `__keyevent@<db>__:<event>`
  (the key is the message). They are plain Pub/Sub: off by default, delivered only to clients
  listening at that moment, never stored. A cache invalidator built on them misses every change
  made while it was disconnected.

  Rule: Notifications are off unless configured

    Scenario: Keyspace notifications are disabled by default
      When the client sends "CONFIG GET notify-keyspace-events"
      Then the reply is ["notify-keyspace-events", ""]

  Rule: A configured server publishes keyspace and keyevent messages

    @own_server
    Scenario: With KEA, SET publishes a keyspace message and then a keyevent message
      Given the server setting "notify-keyspace-events" is "KEA"
      And subscriber "A" subscribes to the pattern "__key*__:*"
      When the client sends "SET foo bar"
      Then subscriber "A" receives, in order:
        """
        ["pmessage", "__key*__:*", "__keyspace@0__:foo", "set"]
        ["pmessage", "__key*__:*", "__keyevent@0__:set", "foo"]
        """

    @own_server
    Scenario: A key that expires publishes an expired event without any client touching it
      Given the server setting "notify-keyspace-events" is "Ex"
      And subscriber "A" subscribes to "__keyevent@0__:expired"
      When the client sends "SET session v PX 50"
      Then subscriber "A" receives ["message", "__keyevent@0__:expired", "session"]

    @own_server
    Scenario: A change made before anybody listened is never notified
      Given the server setting "notify-keyspace-events" is "K$"
      And the client has sent "SET missed 1"
      And subscriber "A" subscribes to the pattern "__keyspace@0__:*"
      When the client sends "SET seen 1"
      Then subscriber "A" receives ["pmessage", "__keyspace@0__:*", "__keyspace@0__:seen", "set"]
