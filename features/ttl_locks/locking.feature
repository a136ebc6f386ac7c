Feature: A lock from one key: SET … NX PX, and why its value must be unique
  The simplest Redis lock is one key: `SET lock <token> NX PX <ttl>` creates it only if nobody
  holds it, and the TTL frees it if the holder dies. The TTL is also its weakness: a holder that
  is merely slow loses the lock without noticing, and the next holder takes over. Releasing must
  therefore check that the key still holds *your* token before deleting it, atomically, and that
  only works when every acquisition writes a value nobody else can write. This file shows the
  raw Redis facts behind the project's FencedLock (see locks.feature).

  Rule: SET … NX PX takes a free lock once, and the TTL frees it

    Scenario: SET … NX PX succeeds once; later tries get nil and leave the holder's value alone
      Given the client has sent "SET lock tok1 NX PX 30000"
      When the client sends "SET lock tok2 NX PX 30000"
      Then the reply is nil
      And "GET lock" replies "tok1"
      And "PTTL lock" replies a number from 1 to 30000

    Scenario: A lock whose holder never releases it is free again when its TTL runs out
      Given the client has sent "SET lock crashed-holder NX PX 200"
      Then within 5 seconds "SET lock next-holder NX PX 30000" replies "OK"
      And "GET lock" replies "next-holder"

    Scenario: SETNX followed by EXPIRE is two steps: a holder that dies between them leaves a lock that never expires
      When the client sends "SETNX lock tok1"
      Then the reply is 1
      And "TTL lock" replies -1

    @own_server @needs_debug
    Scenario: SET … NX succeeds on a key that has expired but was not reclaimed yet
      Given active expiry is switched off on the server
      And the client has sent "SET lock old-holder PX 1"
      And the server clock has moved on by 20 ms
      When the client sends "SET lock new-holder NX PX 30000"
      Then the reply is "OK"
      And "GET lock" replies "new-holder"

  Rule: Only a compare-and-delete, done atomically, releases a lock safely

    Scenario: DEL checks nothing: any client can release a lock it never held
      Given client "A" has sent "SET lock token-of-A NX PX 30000"
      When client "B" sends "DEL lock"
      Then the reply is 1
      And "EXISTS lock" replies 0

    Scenario: A compare-and-delete script refuses a token that is not the holder's
      Given the client has sent "SET lock token-of-A NX PX 30000"
      When the client has sent:
        """
        EVAL "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0" 1 lock token-of-B
        """
      Then the reply is 0
      And "GET lock" replies "token-of-A"

    Scenario: A compare-and-delete script releases the lock for its holder
      Given the client has sent "SET lock token-of-A NX PX 30000"
      When the client has sent:
        """
        EVAL "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0" 1 lock token-of-A
        """
      Then the reply is 1
      And "EXISTS lock" replies 0

    Scenario: A compare-and-pexpire script does not extend someone else's lock
      Given the client has sent "SET lock token-of-A NX PX 30000"
      When the client has sent:
        """
        EVAL "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0" 1 lock token-of-B 600000
        """
      Then the reply is 0
      And "PTTL lock" replies a number from 1 to 30000

    Scenario: With one value shared by all clients, a late compare-and-delete removes the next holder's lock
      # The first holder paused past its TTL; the second took the lock with the same value "1";
      # the first one's "safe" release cannot tell them apart.
      Given the client has sent "SET lock 1 NX PX 100"
      Then within 5 seconds "SET lock 1 NX PX 30000" replies "OK"
      When the client has sent:
        """
        EVAL "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0" 1 lock 1
        """
      Then the reply is 1
      And "EXISTS lock" replies 0

  Rule: Overwriting a lock's value drops its TTL unless KEEPTTL is given

    @since_6_2
    Scenario: Refreshing a lock's value with SET … XX GET leaves a lock that never expires
      Given the client has sent "SET lock tok1 NX PX 30000"
      When the client sends "SET lock tok2 XX GET"
      Then the reply is "tok1"
      And "TTL lock" replies -1

    Scenario: SET … XX KEEPTTL replaces a lock's value and keeps its TTL
      Given the client has sent "SET lock tok1 NX PX 30000"
      When the client sends "SET lock tok2 XX KEEPTTL"
      Then the reply is "OK"
      And "PTTL lock" replies a number from 1 to 30000

  Rule: Since Redis 7.0, SET … NX GET tries the lock and reads its holder in one command

    @since_7_0
    Scenario: SET … NX GET returns the holder's value and does not take the lock
      Given the client has sent "SET lock tok1 NX PX 30000"
      When the client sends "SET lock tok2 NX GET PX 30000"
      Then the reply is "tok1"
      And "GET lock" replies "tok1"

    @since_7_0
    Scenario: SET … NX GET on a free lock takes it and replies nil
      When the client sends "SET lock tok1 NX GET PX 30000"
      Then the reply is nil
      And "GET lock" replies "tok1"
