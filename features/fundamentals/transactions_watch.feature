Feature: MULTI, DISCARD and WATCH in detail: what ends a transaction and what a watch sees
  A transaction starts with MULTI and ends with EXEC or DISCARD; either way the connection is
  back to normal, and every key it watched is forgotten. WATCH makes EXEC fail when a watched key
  was written by anyone, and FLUSHALL or FLUSHDB count as writes to the keys they remove. This file
  states those rules one by one, following redis/redis `tests/unit/multi.tcl` and the
  "Transactions" page on redis.io.

  Rule: DISCARD and EXEC end the transaction, whatever its outcome

    Scenario: DISCARD drops the queued commands and ends the transaction
      Given the client has sent:
        """
        MULTI
        SET k queued
        """
      When the client sends "DISCARD"
      Then the reply is "OK"
      And "EXISTS k" replies 0
      And "PING" replies "PONG"

    # Valkey 8 refuses WATCH in a transaction as a command not allowed there, with another error,
    # and the refusal aborts the transaction (valkey-io/valkey#723); Redis keeps it open.
    @redis_only
    Scenario: WATCH inside MULTI is an error that does not abort the transaction
      Given the client has sent "MULTI"
      When the client sends "WATCH k"
      Then the reply is an error saying "ERR WATCH inside MULTI is not allowed"
      And "SET k v" replies "QUEUED"
      And "EXEC" replies ["OK"]

    @valkey_only
    Scenario: On Valkey, WATCH inside MULTI is a command not allowed in a transaction, and it aborts the transaction
      Given the client has sent "MULTI"
      When the client sends "WATCH k"
      Then the reply is an error saying "ERR Command not allowed inside a transaction"
      And "SET k v" replies "QUEUED"
      And "EXEC" replies an error saying "EXECABORT Transaction discarded because of previous errors."
      And "EXISTS k" replies 0

    Scenario: After an aborted EXEC the connection is out of MULTI
      Given the client has sent "MULTI"
      And the client sent "NOSUCHCOMMAND"
      And the client sent "EXEC"
      When the client sends "PING"
      Then the reply is "PONG"

  Rule: WATCH aborts EXEC only when a watched key was written, and is forgotten afterwards

    Scenario: EXEC runs when no watched key was written
      Given the client has sent:
        """
        SET x 30
        WATCH x
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is ["PONG"]

    Scenario: A write to any one of several watched keys makes EXEC fail
      Given the client has sent:
        """
        WATCH a b x k z
        SET x 40
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is nil

    Scenario: After a successful EXEC the keys are no longer watched
      Given the client has sent:
        """
        SET x 30
        WATCH x
        MULTI
        PING
        EXEC
        SET x 40
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is ["PONG"]

    Scenario: After a failed EXEC the keys are no longer watched
      Given the client has sent:
        """
        WATCH x
        SET x 40
        MULTI
        PING
        EXEC
        SET x 50
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is ["PONG"]

    Scenario: UNWATCH forgets the watched keys
      Given the client has sent:
        """
        WATCH x
        SET x 40
        UNWATCH
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is ["PONG"]

    Scenario: UNWATCH with nothing watched replies OK
      When the client sends "UNWATCH"
      Then the reply is "OK"

    Scenario: DISCARD forgets that a watched key was written
      Given the client has sent:
        """
        WATCH x
        SET x 10
        MULTI
        DISCARD
        MULTI
        INCR x
        """
      When the client sends "EXEC"
      Then the reply is [11]

    Scenario: DISCARD unwatches every key
      Given the client has sent:
        """
        WATCH x
        MULTI
        DISCARD
        SET x 10
        MULTI
        INCR x
        """
      When the client sends "EXEC"
      Then the reply is [11]

  Rule: FLUSHALL and FLUSHDB count as writes to the watched keys they remove

    @own_server
    Scenario: FLUSHALL counts as a write to every watched key that existed
      Given the client has sent:
        """
        SET x 30
        WATCH x
        FLUSHALL
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is nil

    @own_server
    Scenario: FLUSHDB counts as a write to every watched key that existed
      Given the client has sent:
        """
        SET x 30
        WATCH x
        FLUSHDB
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is nil

    @needs_databases
    Scenario: WATCH remembers the database of the key, so the same name in another database is another key
      Given the client has sent:
        """
        SELECT 0
        SET x 30
        WATCH x
        SELECT 1
        SET x 10
        SELECT 0
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is ["PONG"]
