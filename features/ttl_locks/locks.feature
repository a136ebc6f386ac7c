@component
Feature: The profile-edit lock: one editor at a time, and fencing for the editor who overstayed
  FencedLock (redisbehaviors.locks) lets one editor at a time change a user's profile. Each
  acquisition is `SET NX PX` with a fresh 128-bit secret, so release and extend can check that
  the lock is still theirs, and it returns a fencing token that grows with every acquisition.
  The TTL frees the lock when an editor crashes, but it also frees it under an editor that is
  only slow: that editor cannot know it lost the lock. So the profile itself (a FencedResource)
  refuses any write whose fencing token is older than the newest one issued. The scenarios show
  the normal path first, then each failure mode and what the component does about it.

  Rule: One editor at a time, told apart by a secret token

    Scenario: A free profile lock is taken and the first lease carries fencing token 1
      When editor "A" tries to take the profile lock "profile-42"
      Then editor "A" holds the profile lock "profile-42" with fencing token 1

    Scenario: While the lock is held, another editor's try gets no lease and the holder keeps the lock
      Given editor "A" holds the profile lock "profile-42" for 30000 ms
      When editor "B" tries to take the profile lock "profile-42"
      Then editor "B" gets no lease
      And editor "A" holds the profile lock "profile-42" with fencing token 1

    Scenario: Every acquisition gets a greater fencing token than the one before
      When editors take and release the profile lock "profile-42" 3 times
      Then the fencing tokens handed out were 1, 2, 3

    Scenario: A released lock can be taken at once by the next editor, with the next fencing token
      Given editor "A" holds the profile lock "profile-42" for 30000 ms
      When editor "A" releases its lease
      And editor "B" tries to take the profile lock "profile-42"
      Then editor "B" holds the profile lock "profile-42" with fencing token 2

    Scenario: Leaving the with-block releases the lock after the edit was written
      When editor "A" edits the profile "profile-42" inside the lock, setting "name" to "Alice"
      Then the profile lock "profile-42" is free
      And the profile "profile-42" has "name" set to "Alice"

  Rule: A waiting editor blocks on the server instead of polling

    Scenario: A waiting editor gets the lock as soon as the holder releases it, long before the TTL would free it
      Given editor "A" holds the profile lock "profile-42" for 60000 ms
      And editor "B" is waiting up to 20 seconds for the profile lock "profile-42"
      When editor "A" releases its lease
      Then within 5 seconds editor "B" holds the profile lock "profile-42" with fencing token 2

    Scenario: A wait that times out fails with a lock timeout and leaves the holder's lock alone
      Given editor "A" holds the profile lock "profile-42" for 30000 ms
      When editor "B" waits up to 0.2 seconds for the profile lock "profile-42"
      Then editor "B" is told the lock stayed taken
      And editor "A" holds the profile lock "profile-42" with fencing token 1

  Rule: The TTL frees the lock of an editor that crashed

    Scenario: The lock of an editor that crashed frees itself when its TTL runs out
      Given editor "A" holds the profile lock "profile-42" for 300 ms
      And editor "A" crashes without releasing its lease
      When editor "B" waits up to 10 seconds for the profile lock "profile-42"
      Then editor "B" holds the profile lock "profile-42" with fencing token 2

  Rule: An editor that paused past its TTL can no longer release, extend or write

    Background:
      Given editor "A" holds the profile lock "profile-42" for 300 ms
      And editor "A" writes "name" as "Alice" to the profile "profile-42" with its fencing token
      And editor "A" pauses until its lease has expired
      And editor "B" tries to take the profile lock "profile-42"

    Scenario: The late release of a paused editor is refused and the new holder keeps the lock
      When editor "A" releases its lease
      Then editor "A" is told it no longer holds the lock
      And editor "B" holds the profile lock "profile-42" with fencing token 2

    Scenario: The late extend of a paused editor is refused and does not prolong the new holder's lease
      When editor "A" extends its lease to 600000 ms
      Then editor "A" is told it no longer holds the lock
      And the profile lock "profile-42" has at most 30000 ms left

    Scenario: The late write of a paused editor is refused, even before the new holder has written
      When editor "A" writes "name" as "Mallory" to the profile "profile-42" with its fencing token
      Then editor "A" is told its fencing token 1 is older than 2
      And the profile "profile-42" has "name" set to "Alice"

    Scenario: After the new holder's write, the paused editor's late write is refused and the new data stays
      Given editor "B" writes "name" as "Bob" to the profile "profile-42" with its fencing token
      When editor "A" writes "name" as "Alice" to the profile "profile-42" with its fencing token
      Then editor "A" is told its fencing token 1 is older than 2
      And the profile "profile-42" has "name" set to "Bob"

  Rule: The profile refuses a fencing token the lock never issued

    Scenario: A write carrying a fencing token the lock never issued is refused
      Given editor "A" holds the profile lock "profile-42" for 30000 ms
      When a write with fencing token 7 reaches the profile "profile-42"
      Then the write is refused because token 7 was never issued
      And the profile "profile-42" has no fields

  Rule: Auto-renewal keeps a long edit alive, within a bound

    Scenario: A lease kept alive outlives its TTL
      Given editor "A" holds the profile lock "profile-42" for 600 ms
      When editor "A" keeps its lease alive every 100 ms, at most 50 times
      Then within 10 seconds editor "A" has renewed its lease 8 times
      And editor "A" holds the profile lock "profile-42" with fencing token 1

    Scenario: Renewal stops after its maximum, and then the TTL frees the lock
      Given editor "A" holds the profile lock "profile-42" for 300 ms
      When editor "A" keeps its lease alive every 100 ms, at most 2 times
      Then within 10 seconds editor "A" has renewed its lease 2 times
      And within 10 seconds the profile lock "profile-42" is free

    Scenario: When the lock is taken away, the keep-alive tells the editor its lease was lost
      Given editor "A" holds the profile lock "profile-42" for 30000 ms
      And editor "A" keeps its lease alive every 100 ms, at most 1000 times
      When an administrator deletes the profile lock "profile-42"
      Then within 10 seconds editor "A" is told its lease was lost

  Rule: Bad input is refused before anything reaches Redis

    Scenario: A lock name with a brace is refused, since it would move the hash tag
      When a profile lock named "profile-{42}" is requested
      Then it is refused as invalid input mentioning "no braces"
      And no lock key was written

    Scenario: A lease TTL of zero is refused
      When a profile lock "profile-42" with a TTL of 0 ms is requested
      Then it is refused as invalid input mentioning "ttl_ms must be at least 1"
      And no lock key was written
