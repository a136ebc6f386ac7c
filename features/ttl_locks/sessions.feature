Feature: Server-side sessions that expire when idle, end at a fixed lifetime, and stay revoked
  A server-side session is a random token handed to the browser and a record kept in Redis. This
  file shows the session store `redisbehaviors.sessions`: the token carries at least 128 random
  bits from `secrets`; the data is a hash, so two concurrent requests that change different fields
  do not overwrite each other; every read or write slides the idle expiry (HSET keeps a TTL but
  never re-arms it, and reads never extend one), while an absolute lifetime caps how long any
  session can live however busy it is; the token can be rotated against session fixation; one
  session or all sessions of a user can be revoked, through a per-user index that forgets expired
  entries; and a revoked session cannot be brought back by a request that was still in flight
  when it was revoked. Every expiry decision uses the server's clock.

  Compared with stateless tokens (a signed JWT in a cookie): a stateless token needs no lookup,
  but it is valid until its own expiry claim, so revoking it means keeping a deny-list (state
  again) or waiting; rotation only works if the old token is refused, which again needs state;
  and its lifetime is fixed when it is signed, so "log out after 30 idle minutes" needs a refresh
  token and a second, stateful check. Here revoking is a DEL, rotating is a RENAME, the idle
  timeout is a PEXPIRE re-armed on each request, and the data stays on the server: the price is
  one round trip per request and Redis being up.

  Rule: A session is an unguessable token and a hash of fields

    @component
    Scenario: A session token carries 256 random bits after its bucket number
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      When "alice" signs in as session "laptop"
      Then the token of session "laptop" is its user's bucket, a dot and 43 URL-safe characters
      And "alice" signing in again gets a different token

    @component
    Scenario: Two requests that change different fields of one session keep both changes
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop" with "cart" set to "3 items"
      When session "laptop" sets "theme" to "dark"
      And session "laptop" sets "cart" to "4 items"
      Then session "laptop" reads "cart" as "4 items" and "theme" as "dark"

  Rule: Use slides the idle expiry; the absolute lifetime does not move

    @component
    Scenario: Reading a session re-arms its idle timeout
      Given a session store with an idle timeout of 2000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop"
      And the server's clock has advanced 600 ms
      And the session key of "laptop" expires in 1 to 1400 ms
      When session "laptop" is read
      Then the session key of "laptop" expires in 1500 to 2000 ms

    @component
    Scenario: A session nobody uses ends after its idle timeout
      Given a session store with an idle timeout of 300 ms and a lifetime of 600000 ms
      When "alice" signs in as session "laptop"
      Then within 5 seconds session "laptop" is gone
      And "alice" has 0 live sessions

    @component
    Scenario: A session in constant use still ends at its absolute lifetime
      Given a session store with an idle timeout of 1000 ms and a lifetime of 1500 ms
      And "alice" signs in as session "laptop"
      When session "laptop" is read every 100 ms until it is gone
      Then it was gone no sooner than 1500 ms and no later than 4000 ms after sign-in
      And its last reads re-armed less than the full idle timeout

  Rule: Rotation moves the data to a new token and kills the old one

    @component
    Scenario: Rotating gives a new token with the same data, and the old token stops working
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop" with "cart" set to "3 items"
      When session "laptop" is rotated to "laptop-2"
      Then session "laptop-2" reads "cart" as "3 items"
      And session "laptop" is gone
      And "alice" has 1 live session

    @component
    Scenario: A write through the old token after rotation is refused and creates nothing
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop"
      And session "laptop" is rotated to "laptop-2"
      When session "laptop" sets "cart" to "stolen"
      Then the write to session "laptop" was refused because the session is gone
      And the session key of "laptop" does not exist

  Rule: A revoked session stays revoked

    @component
    Scenario: Revoking one session ends it and leaves the user's other sessions alone
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop"
      And "alice" signs in as session "phone"
      When session "laptop" is revoked
      Then session "laptop" is gone
      And session "phone" is live
      And "alice" has 1 live session

    @component
    Scenario: Revoking all sessions of a user ends every one of them and nobody else's
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop"
      And "alice" signs in as session "phone"
      And "alice" signs in as session "tablet"
      And "bob" signs in as session "desktop"
      When every session of "alice" is revoked
      Then 3 sessions were revoked
      And session "phone" is gone
      And session "desktop" is live

    @component
    Scenario: The per-user index forgets sessions that expired
      Given a session store with an idle timeout of 300 ms and a lifetime of 600000 ms
      And "alice" signs in as session "old-phone"
      And the session store's idle timeout becomes 60000 ms
      And "alice" signs in as session "laptop"
      When within 5 seconds session "old-phone" is gone
      Then "alice" has 1 live session
      And the index of "alice" holds only session "laptop"

    @component
    Scenario: A late write that arrives after logout cannot bring the session back
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      And "alice" signs in as session "laptop"
      And a slow request on session "laptop" is about to set "cart" to "5 items"
      When session "laptop" is revoked
      And the slow request's write arrives
      Then the write to session "laptop" was refused because the session is gone
      And the session key of "laptop" does not exist

    Scenario: A plain HSET after the session was deleted recreates it without any TTL
      Given the client has sent:
        """
        HSET session:1 user alice cart 3
        PEXPIRE session:1 60000
        DEL session:1
        """
      When the client sends "HSET session:1 cart 5"
      Then the reply is 1
      And "TTL session:1" replies -1
      And "HGETALL session:1" replies ["cart", "5"]

  Rule: Bad input is refused before Redis is asked

    @component
    Scenario: A token the store never made is refused as invalid input
      Given a session store with an idle timeout of 60000 ms and a lifetime of 600000 ms
      When the session token "../admin" is read
      Then the session store refuses it as invalid input mentioning "not a session token"
