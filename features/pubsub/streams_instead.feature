Feature: When a message must not be lost, put it in a Stream
  Pub/Sub pushes a message to whoever listens now and keeps nothing. A Stream keeps every entry
  until it is trimmed, gives each one an increasing id, and lets a reader that comes back ask
  for everything after the last id it saw. Prefer a Stream (or Pub/Sub plus a Stream, as the chat
  does) when a reader may be offline, must catch up, or must know what it missed.

  Rule: A Stream keeps what Pub/Sub drops

    Scenario: An entry appended while nobody reads is still there for a reader that comes later
      Given the publisher has sent "PUBLISH alerts disk-full"
      And the client has sent "XADD alerts-log 1-1 msg disk-full"
      When the client sends "XRANGE alerts-log - +"
      Then the reply is [["1-1", ["msg", "disk-full"]]]

    @since_6_2
    Scenario: A reader resumes after the last id it saw and gets exactly what it missed
      Given the client has sent:
        """
        XADD log 1-1 n 1
        XADD log 2-1 n 2
        XADD log 3-1 n 3
        """
      When the client sends "XRANGE log (1-1 +"
      Then the reply is [["2-1", ["n", "2"]], ["3-1", ["n", "3"]]]

    Scenario: A Stream capped with MAXLEN keeps only the newest entries, so history has a bound
      Given the client has sent:
        """
        XADD log MAXLEN 2 1-1 n 1
        XADD log MAXLEN 2 2-1 n 2
        XADD log MAXLEN 2 3-1 n 3
        """
      When the client sends "XRANGE log - +"
      Then the reply is [["2-1", ["n", "2"]], ["3-1", ["n", "3"]]]
