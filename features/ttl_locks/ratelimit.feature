Feature: Rate limiting with expiring counters, on the server's clock
  A rate limiter answers one question per request: may this client do this now? The seed's answer
  is a fixed window: one counter per client, route and window, created by INCR and given a TTL so
  that it disappears when its window ends. This file first shows why that TTL must be set in the
  same atomic step as the first increment, then what the component `redisbehaviors.ratelimit`
  adds: a sliding log, a sliding-window counter and a token bucket beside the fixed window; every
  decision taken in one script that reads the server's TIME (a client with a fast clock cannot
  buy extra requests); several limits (10 per second and 100 per minute) checked together so that
  a request is charged to all of them or to none; a weighted cost; a peek that charges nothing;
  and a decision that fills the standard RateLimit-* and Retry-After headers.

  The hot-key problem: the counters of one client on one route are one hash tag, so one busy
  client (an abusive IP) sends all its traffic to one key on one Redis node, one round trip per
  request, however many application servers there are. Nothing in Redis spreads that load. The
  remedies are outside the key: refuse locally while a refusal is known to hold (the limiter's
  optional deny cache: a refused client costs no round trip until its Retry-After has passed),
  limit coarser subjects at the edge (a /24 network, before the application), or split one
  subject's budget over several keys (each with a share of the amount) and accept that it admits
  less precisely. docs/ttl_locks/ratelimit.md walks through each.

  Rule: A fixed-window counter needs its TTL in the same atomic step as its first increment

    Scenario: INCR creates a counter with no TTL, so it lives until something expires it
      When the client sends "INCR rl:203.0.113.7:login:1795706917"
      Then the reply is 1
      And "TTL rl:203.0.113.7:login:1795706917" replies -1

    Scenario: INCR and EXPIRE sent as two calls leave a counter that never expires if the client dies in between
      Given a naive limiter that counts hits on "rl:client-7" with INCR, then sends EXPIRE 1 as a second call
      When the naive limiter's process dies between the INCR and the EXPIRE of its first hit
      And the naive limiter counts 4 more hits, sending EXPIRE only when INCR replies 1
      And the server's clock has advanced 1200 ms
      Then "TTL rl:client-7" replies -1
      And "GET rl:client-7" replies "5"

    @component
    # The counter outlives its window by operation_ttl_ms (10 s by default), so that a lost reply's retry
    # just after the window edge finds its operation id and is not charged again.
    Scenario: The fixed-window limiter keeps the server's window index in its counter and expires it its retry horizon after the window ends
      Given a fixed window limiter allowing "5/10s"
      When the limiter decides 1 request from "203.0.113.7" to "login"
      Then the fixed-window counter of "203.0.113.7" on "login" holds the server's window of 10000 ms
      And that counter expires 10000 ms after its window ends

  Rule: The server's clock decides, so a client's clock cannot buy extra requests

    Scenario: A sliding log that trusts the application servers' clocks admits twice the limit when one clock runs fast
      Given a naive sliding log of 2 per minute that timestamps requests with the application server's clock
      When application server "A" sends 2 requests through the naive log
      And application server "B", whose clock is 61 s fast, sends 2 requests through the naive log
      Then the naive log admitted 4 of 4 requests

    @component
    Scenario: The sliding log limiter admits the limit once, whatever the application servers' clocks say
      Given a sliding log limiter allowing "2/minute"
      When application server "A" sends 2 requests from "203.0.113.7" to "login"
      And application server "B", whose clock is 61 s fast, sends 2 requests from "203.0.113.7" to "login"
      Then the limiter answered "allow 1, allow 0, refuse 0, refuse 0"

  Rule: A refused request is never admitted, and never charged

    @component
    Scenario Outline: The <algorithm> limiter admits exactly its amount and refuses the rest
      Given a <algorithm> limiter allowing "3/10s"
      When the limiter decides 5 requests from "203.0.113.7" to "login"
      Then the limiter answered "allow 2, allow 1, allow 0, refuse 0, refuse 0"

      Examples:
        | algorithm              |
        | fixed window           |
        | sliding log            |
        | sliding window counter |
        | token bucket           |

    @component
    Scenario: A sliding log admits again only when the oldest request has left the window
      Given a sliding log limiter allowing "2/1s"
      When the limiter decides 3 requests from "203.0.113.7" to "login"
      Then the limiter answered "allow 1, allow 0, refuse 0"
      And the last refusal is by the limit "2/1s" with a retry after of at most 1 second
      When the server's clock has advanced 1000 ms
      And the limiter decides 1 request from "203.0.113.7" to "login"
      Then the limiter answered "allow 1, allow 0, refuse 0, allow 1"

  Rule: Only a sliding algorithm holds the limit across a window edge

    @component
    Scenario: A fixed window admits twice its amount to a client that straddles a window edge
      Given a fixed window limiter allowing "3/second"
      When "203.0.113.7" sends 3 requests to "login" just before a window edge and 3 just after it
      Then the limiter answered "allow 2, allow 1, allow 0, allow 2, allow 1, allow 0"

    @component
    Scenario: A sliding log refuses the same requests across the window edge
      Given a sliding log limiter allowing "3/second"
      When "203.0.113.7" sends 3 requests to "login" just before a window edge and 3 just after it
      Then the limiter answered "allow 2, allow 1, allow 0, refuse 0, refuse 0, refuse 0"

  Rule: Several limits are checked together: a request is charged to all of them or to none

    @component
    Scenario: A request refused by the per-second limit is not charged to the per-minute limit
      Given a sliding log limiter allowing "2/second, 5/minute"
      When the limiter decides 4 requests from "203.0.113.7" to "login"
      Then the limiter answered "allow 1, allow 0, refuse 0, refuse 0"
      And a limiter allowing only "5/minute" still has 3 left for "203.0.113.7" on "login"

    @component
    Scenario: The refusal names the limit that frees up last
      Given a sliding log limiter allowing "2/second, 3/minute"
      When the limiter decides 3 requests from "203.0.113.7" to "login"
      Then the last refusal is by the limit "2/second" with a retry after of at most 1 second
      When the server's clock has advanced 1000 ms
      And the limiter decides 2 requests from "203.0.113.7" to "login"
      Then the last refusal is by the limit "3/minute" with a retry after of at most 60 seconds

    @component
    Scenario: Different clients and routes have separate budgets
      Given a token bucket limiter allowing "1/minute"
      When the limiter decides 1 request from "203.0.113.7" to "login"
      And the limiter decides 1 request from "203.0.113.8" to "login"
      And the limiter decides 1 request from "203.0.113.7" to "search"
      And the limiter decides 1 request from "203.0.113.7" to "login"
      Then the limiter answered "allow 0, allow 0, allow 0, refuse 0"

  Rule: A request may cost more than one unit, and a peek costs nothing

    @component
    Scenario: A request of cost 3 spends 3 units, and a refused one spends none
      Given a token bucket limiter allowing "5/minute"
      When the limiter decides a request of cost 3 from "203.0.113.7" to "export"
      And the limiter decides a request of cost 3 from "203.0.113.7" to "export"
      And the limiter decides a request of cost 2 from "203.0.113.7" to "export"
      Then the limiter answered "allow 2, refuse 2, allow 0"

    @component
    Scenario: A peek says whether a request would pass without consuming anything
      Given a sliding window counter limiter allowing "2/minute"
      When the limiter peeks 3 times for "203.0.113.7" on "login"
      And the limiter decides 3 requests from "203.0.113.7" to "login"
      Then the limiter answered "allow 2, allow 2, allow 2, allow 1, allow 0, refuse 0"

    @component
    Scenario: A peek at a spent limit tells when to retry and writes nothing
      Given a fixed window limiter allowing "1/minute"
      When the limiter decides 1 request from "203.0.113.7" to "login"
      And the limiter peeks 1 time for "203.0.113.7" on "login"
      Then the limiter answered "allow 0, refuse 0"
      And the last refusal is by the limit "1/minute" with a retry after of at most 60 seconds
      And the limiter's keys are unchanged by the peek

  Rule: A decision fills the standard RateLimit-* and Retry-After headers

    @component
    Scenario: A refused request renders RateLimit-* fields and a Retry-After rounded up to whole seconds
      Given a token bucket limiter allowing "2/10s, 100/hour"
      When the limiter decides 3 requests from "203.0.113.7" to "login"
      Then the last decision renders the headers:
        | RateLimit-Limit     | 2                  |
        | RateLimit-Remaining | 0                  |
        | RateLimit-Reset     | 10                 |
        | RateLimit-Policy    | 2;w=10, 100;w=3600 |
        | Retry-After         | 5                  |

  Rule: Bad input is refused before anything is written

    @component
    Scenario: A cost larger than the smallest limit can never pass and is refused as invalid input
      Given a fixed window limiter allowing "3/second, 100/minute"
      When the limiter decides a request of cost 4 from "203.0.113.7" to "login"
      Then the limiter refuses it as invalid input mentioning "smallest limit allows 3"
      And nothing was written under the limiter's namespace

    @component
    Scenario: A route name that could change the key schema is refused as invalid input
      Given a sliding log limiter allowing "3/second"
      When the limiter decides 1 request from "203.0.113.7" to "api/{login}"
      Then the limiter refuses it as invalid input mentioning "route name"
      And nothing was written under the limiter's namespace
