Feature: MULTI transactions and pipelines
  A pipeline only saves round trips: the commands travel together but other clients' commands
  may run between them. MULTI … EXEC queues commands and runs them as one isolated block. Neither
  one rolls anything back: a command that fails at run time inside MULTI leaves the others done.
  WATCH adds optimistic concurrency: EXEC gives up if a watched key was touched.

  Rule: MULTI queues commands and EXEC runs them together, without rollback

    Scenario: Commands inside MULTI are queued, not run
      Given the client has sent "MULTI"
      When the client sends "INCR visits"
      Then the reply is "QUEUED"

    Scenario: A command that fails at run time inside MULTI neither aborts nor rolls back the others
      Given the client has sent:
        """
        MULTI
        SET a 1
        LPUSH a x
        INCR a
        """
      When the client sends "EXEC"
      Then the reply is ["OK", "error: WRONGTYPE Operation against a key holding the wrong kind of value", 2]

    Scenario: An error while queueing makes EXEC discard the whole transaction
      Given the client has sent:
        """
        MULTI
        SET b 1
        """
      And the client sends "NOSUCHCOMMAND"
      When the client sends "EXEC"
      Then the reply is an error saying "EXECABORT Transaction discarded because of previous errors."
      And "EXISTS b" replies 0

    @redis_only
    Scenario: MULTI inside MULTI is an error
      Given the client has sent "MULTI"
      When the client sends "MULTI"
      Then the reply is an error saying "ERR MULTI calls can not be nested"

    # Redis only refuses the nested MULTI; the transaction stays open and EXEC runs what was
    # queued. Valkey 8 treats it as a command forbidden in a transaction, which aborts the
    # transaction (valkey-io/valkey#723).
    @redis_only
    Scenario: A refused nested MULTI leaves the transaction open, and EXEC runs what was queued
      Given the client has sent "MULTI"
      And the client sends "MULTI"
      And the client sends "SET a 1"
      When the client sends "EXEC"
      Then the reply is ["OK"]
      And "GET a" replies "1"

    @valkey_only
    Scenario: On Valkey, MULTI inside MULTI is refused as a command not allowed in a transaction
      Given the client has sent "MULTI"
      When the client sends "MULTI"
      Then the reply is an error saying "ERR Command not allowed inside a transaction"

    @valkey_only
    Scenario: On Valkey, a nested MULTI aborts the transaction, so EXEC runs nothing
      Given the client has sent "MULTI"
      And the client sends "MULTI"
      And the client sends "SET a 1"
      When the client sends "EXEC"
      Then the reply is an error saying "EXECABORT Transaction discarded because of previous errors."
      And "EXISTS a" replies 0

    Scenario: EXEC without MULTI is an error
      When the client sends "EXEC"
      Then the reply is an error saying "ERR EXEC without MULTI"

  Rule: WATCH makes EXEC fail when a watched key was written by anyone

    Scenario: EXEC reads nil when another client wrote a watched key
      Given the client has sent:
        """
        SET stock 10
        WATCH stock
        """
      And client "other" sends "SET stock 9"
      And the client has sent:
        """
        MULTI
        DECR stock
        """
      When the client sends "EXEC"
      Then the reply is nil
      And "GET stock" replies "9"

    Scenario: A write by the watching client itself also makes EXEC fail
      Given the client has sent:
        """
        SET stock 10
        WATCH stock
        SET stock 10
        MULTI
        DECR stock
        """
      When the client sends "EXEC"
      Then the reply is nil

    Scenario: EXPIRE on a watched key counts as a write
      Given the client has sent:
        """
        SET stock 10
        WATCH stock
        EXPIRE stock 100
        MULTI
        PING
        """
      When the client sends "EXEC"
      Then the reply is nil

  Rule: A pipeline only saves round trips; it is not a transaction

    Scenario: Another client's write can land between the commands of a pipeline
      When a pipeline sets "k" to "1", waits for "gate" with BLPOP, then reads "k"
      And while it waits, another client sets "k" to "2" and pushes to "gate"
      Then the pipeline read "2"

    Scenario: Inside MULTI a blocking BLPOP does not block, so nothing runs between the commands
      When a MULTI transaction sets "k" to "1", waits for "gate" with BLPOP, then reads "k"
      Then the transaction's BLPOP replied nil at once and it read "1"
