Feature: Key expiration: how a TTL is set, kept, lost and enforced
  Any key can carry a time to live. Redis keeps it as an absolute deadline in milliseconds,
  and deletes the key when that deadline passes: lazily, when a command touches the key, and
  actively, by sampling keys in the background. Most bugs around TTLs come from four facts this
  file shows one at a time: a command that *replaces* a value drops its TTL while one that
  *alters* it keeps it; reading a key never extends its life, so sliding expiration has to re-arm
  the TTL itself; EXPIRE, PEXPIREAT or GETEX with a zero or past time deletes the key at once,
  while SET … EXAT with a past time stores a key that is already expired; and TTL rounds to the
  nearest second, so a live key can report 0.

  Rule: SETEX and SET … EX write the value and its TTL in one command

    Scenario: SETEX sets the value and a TTL in seconds at once
      When the client sends "SETEX session 100 alice"
      Then the reply is "OK"
      And "TTL session" replies a number from 99 to 100
      And "GET session" replies "alice"

    Scenario: SET … PX gives the TTL in milliseconds
      When the client sends "SET session alice PX 1500"
      Then the reply is "OK"
      And "PTTL session" replies a number from 1 to 1500

    @since_7_0
    Scenario: SETEX refuses a TTL of zero instead of deleting the key
      When the client sends "SETEX session 0 alice"
      Then the reply is an error saying "ERR invalid expire time in 'setex' command"
      And "EXISTS session" replies 0

    @since_7_0
    Scenario: SET … EX refuses a negative TTL
      When the client sends "SET session alice EX -5"
      Then the reply is an error saying "ERR invalid expire time in 'set' command"

    Scenario: Second-based expiry takes whole seconds only: sub-second TTLs need PX
      When the client sends "SET session alice EX 1.5"
      Then the reply is an error saying "ERR value is not an integer or out of range"

    @since_7_0
    Scenario: SET … EX refuses a TTL so large that the deadline would overflow
      When the client sends "SET session alice EX 10000000000000000"
      Then the reply is an error saying "ERR invalid expire time in 'set' command"
      And "EXISTS session" replies 0

    # 7.0 rephrased the error as "invalid expire time in '<command>' command" (redis/redis#10612).
    @before_7_0
    Scenario Outline: Before 7.0 an invalid expire time is refused with the bare command name
      When the client sends "<command>"
      Then the reply is an error saying "ERR invalid expire time in <name>"
      And "EXISTS session" replies 0

      Examples:
        | command                                 | name  |
        | SETEX session 0 alice                   | setex |
        | SET session alice EX -5                 | set   |
        | SET session alice EX 10000000000000000  | set   |

    @since_6_2
    Scenario: SET … EXAT with a time in the past is accepted, and the key reads as missing at once
      # Unlike EXPIRE and GETEX, SET does not delete it (setGenericCommand in redis/redis
      # src/t_string.c never calls checkAlreadyExpired): the key is stored with a past deadline and
      # reclaimed like any expired key, so the keyspace events are set and expire, then expired --
      # never del.
      When the client sends "SET session alice EXAT 1"
      Then the reply is "OK"
      And "EXISTS session" replies 0

    @since_6_2 @own_server @needs_debug @redis_only
    Scenario: SET … EXAT in the past stores the key, which counts in DBSIZE until it is reclaimed
      Given active expiry is switched off on the server
      When the client sends "SET session alice EXAT 1"
      Then "DBSIZE" replies 1
      And "GET session" replies nil
      And "DBSIZE" replies 0

    # Valkey 8 takes a fast path: a SET whose expiry has already passed stores nothing (and
    # deletes the key if it existed) instead of waiting for expiry (valkey-io/valkey#865).
    @own_server @needs_debug @valkey_only
    Scenario: On Valkey, SET … EXAT in the past stores nothing, so DBSIZE stays 0
      Given active expiry is switched off on the server
      When the client sends "SET session alice EXAT 1"
      Then the reply is "OK"
      And "DBSIZE" replies 0

  Rule: A command that replaces a value drops its TTL; KEEPTTL keeps it

    Scenario: A plain SET discards the key's TTL
      Given the client has sent "SET greeting hello EX 100"
      When the client sends "SET greeting bonjour"
      Then "TTL greeting" replies -1

    Scenario: SET … KEEPTTL replaces the value but keeps the TTL
      Given the client has sent "SET greeting hello EX 100"
      When the client sends "SET greeting bonjour KEEPTTL"
      Then "TTL greeting" replies a number from 99 to 100
      And "GET greeting" replies "bonjour"

    Scenario: KEEPTTL cannot be combined with a new expiry
      When the client sends "SET greeting hello KEEPTTL EX 5"
      Then the reply is an error saying "ERR syntax error"

    Scenario: GETSET returns the old value and drops the TTL
      Given the client has sent "SET greeting hello EX 100"
      When the client sends "GETSET greeting bonjour"
      Then the reply is "hello"
      And "TTL greeting" replies -1

    Scenario: MSET drops the TTL of every key it writes
      Given the client has sent "SET greeting hello EX 100"
      When the client sends "MSET greeting bonjour"
      Then "TTL greeting" replies -1

  Rule: A command that alters a value in place keeps its TTL

    Scenario: APPEND keeps the TTL of the string it extends
      Given the client has sent "SETEX note 100 hello"
      When the client sends "APPEND note !"
      Then the reply is 6
      And "TTL note" replies a number from 99 to 100

    Scenario: INCR keeps the TTL of the counter it changes
      Given the client has sent "SET hits 10 EX 100"
      When the client sends "INCR hits"
      Then the reply is 11
      And "TTL hits" replies a number from 99 to 100

    Scenario: HSET keeps a hash's TTL but never re-arms it, so a sliding session needs its own EXPIRE
      Given the client has sent:
        """
        HSET session user alice
        PEXPIRE session 60000
        """
      And the server clock has moved on by 100 ms
      When the client sends "HSET session user bob"
      Then "PTTL session" replies a number from 1 to 59900

    Scenario: A list that empties is deleted together with its TTL, so pushing again gives a key without TTL
      Given the client has sent:
        """
        RPUSH queue job1
        EXPIRE queue 100
        LPOP queue
        """
      When the client sends "RPUSH queue job2"
      Then "TTL queue" replies -1

    Scenario: RENAME carries the source's TTL to the new name
      Given the client has sent "SET draft text EX 100"
      When the client sends "RENAME draft final"
      Then "TTL final" replies a number from 99 to 100

    Scenario: RENAME onto a volatile key replaces the destination's TTL with the source's (none)
      Given the client has sent:
        """
        SET draft text
        SET final old EX 100
        """
      When the client sends "RENAME draft final"
      Then "TTL final" replies -1

  Rule: EXPIRE arms a TTL, and since Redis 7.0 it can be made conditional

    Scenario: EXPIRE on a missing key returns 0 and creates nothing
      When the client sends "EXPIRE ghost 100"
      Then the reply is 0
      And "EXISTS ghost" replies 0

    Scenario: Calling EXPIRE again replaces the TTL, so a "fixed" window re-armed on every hit keeps sliding
      Given the client has sent:
        """
        SET window 1
        EXPIRE window 5
        """
      When the client sends "EXPIRE window 100"
      Then the reply is 1
      And "TTL window" replies a number from 99 to 100

    @since_7_0
    Scenario: EXPIRE … NX sets a TTL only on a key that has none
      Given the client has sent "SET window 1 EX 100"
      When the client sends "EXPIRE window 50 NX"
      Then the reply is 0
      And "TTL window" replies a number from 99 to 100

    @since_7_0
    Scenario: EXPIRE … XX sets a TTL only on a key that already has one
      Given the client has sent "SET window 1"
      When the client sends "EXPIRE window 50 XX"
      Then the reply is 0
      And "TTL window" replies -1

    @since_7_0
    Scenario: EXPIRE … GT only lengthens a TTL
      Given the client has sent "SET window 1 EX 100"
      When the client sends "EXPIRE window 50 GT"
      Then the reply is 0
      And "EXPIRE window 150 GT" replies 1
      And "TTL window" replies a number from 149 to 150

    @since_7_0
    Scenario: EXPIRE … GT never applies to a key without TTL, which counts as an infinite TTL
      Given the client has sent "SET window 1"
      When the client sends "EXPIRE window 50 GT"
      Then the reply is 0
      And "TTL window" replies -1

    @since_7_0
    Scenario: EXPIRE … LT on a key without TTL sets one, since any TTL is shorter than infinity
      Given the client has sent "SET window 1"
      When the client sends "EXPIRE window 50 LT"
      Then the reply is 1
      And "TTL window" replies a number from 49 to 50

    @since_7_0
    Scenario: EXPIRE refuses NX together with GT
      Given the client has sent "SET window 1"
      When the client sends "EXPIRE window 10 NX GT"
      Then the reply is an error saying "ERR NX and XX, GT or LT options at the same time are not compatible"

    @since_7_0
    Scenario: EXPIRE refuses GT together with LT
      Given the client has sent "SET window 1"
      When the client sends "EXPIRE window 10 GT LT"
      Then the reply is an error saying "ERR GT and LT options at the same time are not compatible"

  Rule: EXPIRE and PEXPIREAT with a zero, negative or past time delete the key at once

    Scenario: EXPIRE with 0 deletes the key and returns 1
      Given the client has sent "SET temp v"
      When the client sends "EXPIRE temp 0"
      Then the reply is 1
      And "EXISTS temp" replies 0

    Scenario: EXPIRE with a negative TTL deletes the key too
      Given the client has sent "SET temp v"
      When the client sends "EXPIRE temp -10"
      Then the reply is 1
      And "GET temp" replies nil

    Scenario: PEXPIREAT with a time in the past deletes the key
      Given the client has sent "SET temp v"
      When the client sends "PEXPIREAT temp 1000"
      Then the reply is 1
      And "EXISTS temp" replies 0

  Rule: PERSIST removes a TTL

    Scenario: PERSIST removes the TTL and returns 1 only when there was one
      Given the client has sent "SET doc v EX 100"
      When the client sends "PERSIST doc"
      Then the reply is 1
      And "TTL doc" replies -1
      And "PERSIST doc" replies 0
      And "PERSIST ghost" replies 0

  Rule: TTL and PTTL report -2 for no key, -1 for no TTL, and TTL rounds to the nearest second

    Scenario: TTL and PTTL return -2 for a missing key
      When the client sends "TTL ghost"
      Then the reply is -2
      And "PTTL ghost" replies -2

    Scenario: TTL and PTTL return -1 for a key without TTL
      Given the client has sent "SET doc v"
      When the client sends "TTL doc"
      Then the reply is -1
      And "PTTL doc" replies -1

    Scenario: TTL rounds to the nearest second, so 1.9 seconds left reads as 2
      Given the client has sent "MULTI"
      And the client has sent "PSETEX doc 1900 v"
      And the client has sent "TTL doc"
      When the client sends "EXEC"
      Then the reply is ["OK", 2]

    Scenario: A key with less than half a second left reads TTL 0 yet still exists
      Given the client has sent "MULTI"
      And the client has sent "PSETEX doc 499 v"
      And the client has sent "TTL doc"
      And the client has sent "EXISTS doc"
      When the client sends "EXEC"
      Then the reply is ["OK", 0, 1]

    @since_7_0
    Scenario: EXPIRETIME and PEXPIRETIME give the absolute deadline as a Unix time
      Given the client has sent "SET doc v EXAT 4102444800"
      When the client sends "EXPIRETIME doc"
      Then the reply is 4102444800
      And "PEXPIRETIME doc" replies 4102444800000

    @since_7_0
    Scenario: EXPIRETIME uses the same -1 and -2 codes as TTL
      Given the client has sent "SET doc v"
      When the client sends "EXPIRETIME doc"
      Then the reply is -1
      And "EXPIRETIME ghost" replies -2

  Rule: Reading a key never extends its life; GETEX reads and re-arms in one command

    Scenario: A key that is read all the time still expires on schedule
      Given the client has sent "SET session alice PX 300"
      Then within 5 seconds "GET session" replies nil

    @since_6_2
    Scenario: GETEX without an option is a plain GET and leaves the TTL alone
      Given the client has sent "SET session alice PX 60000"
      When the client sends "GETEX session"
      Then the reply is "alice"
      And "PTTL session" replies a number from 1 to 60000

    @since_6_2
    Scenario: GETEX … EX re-arms the TTL while reading, which is what sliding expiration needs
      Given the client has sent "SET session alice EX 100"
      When the client sends "GETEX session EX 200"
      Then the reply is "alice"
      And "TTL session" replies a number from 199 to 200

    @since_6_2
    Scenario: GETEX … PERSIST reads the value and removes the TTL
      Given the client has sent "SET session alice EX 100"
      When the client sends "GETEX session PERSIST"
      Then the reply is "alice"
      And "TTL session" replies -1

    @since_6_2
    Scenario: GETEX on a missing key returns nil and creates nothing
      When the client sends "GETEX ghost EX 100"
      Then the reply is nil
      And "EXISTS ghost" replies 0

    @since_7_0
    Scenario: GETEX refuses a zero TTL, unlike EXPIRE which would delete the key
      Given the client has sent "SET session alice EX 100"
      When the client sends "GETEX session EX 0"
      Then the reply is an error saying "ERR invalid expire time in 'getex' command"
      And "TTL session" replies a number from 99 to 100

    # 7.0 rephrased the error as "invalid expire time in '<command>' command" (redis/redis#10612).
    @since_6_2 @before_7_0
    Scenario: Before 7.0 GETEX refuses a zero TTL with the bare command name, and the TTL stays
      Given the client has sent "SET session alice EX 100"
      When the client sends "GETEX session EX 0"
      Then the reply is an error saying "ERR invalid expire time in getex"
      And "TTL session" replies a number from 99 to 100

    @since_6_2 @own_server @needs_debug
    Scenario: GETEX … PXAT with a time in the past returns the value and deletes the key at once
      # Unlike SET … EXAT in the past: GETEX deletes the key itself (and notifies del).
      Given active expiry is switched off on the server
      And the client has sent "SET session alice"
      When the client sends "GETEX session PXAT 1000"
      Then the reply is "alice"
      And "DBSIZE" replies 0

  Rule: Expired keys are removed lazily on access and actively in the background

    @own_server
    Scenario: Active expiry removes a key that nobody reads
      Given the client has sent "PSETEX unread 100 v"
      Then within 5 seconds "DBSIZE" replies 0

    @own_server @needs_debug
    Scenario: With active expiry off, an expired key still counts in DBSIZE until a command touches it
      Given active expiry is switched off on the server
      And the client has sent "SET stale v PX 1"
      And the server clock has moved on by 20 ms
      When the client sends "DBSIZE"
      Then the reply is 1
      And "GET stale" replies nil
      And "DBSIZE" replies 0

    @own_server @needs_debug
    Scenario: EXPIRE does not resurrect a key that has expired but was not reclaimed yet
      Given active expiry is switched off on the server
      And the client has sent "SET stale v PX 1"
      And the server clock has moved on by 20 ms
      When the client sends "EXPIRE stale 100"
      Then the reply is 0
      And "EXISTS stale" replies 0

    @since_6_2_5 @own_server @needs_debug
    Scenario: A watched key that expires before EXEC makes the transaction fail, although nobody touched it
      # The key has expired but was not reclaimed (active expiry off, nobody read it): EXEC fails
      # since redis/redis#9194 (6.0.15, 6.2.5, 7.0). The older fix, redis/redis#7920 (6.0.9), only
      # covered keys that active expiry had removed. Tcl: unit/multi.tcl "EXEC fail on lazy expired
      # WATCHed key".
      Given active expiry is switched off on the server
      And the client has sent "SET stale v PX 1000"
      And the client has sent "WATCH stale"
      And the server clock has moved on by 1100 ms
      And the client has sent "MULTI"
      And the client has sent "PING"
      When the client sends "EXEC"
      Then the reply is nil

    @since_7_0 @own_server @needs_debug
    Scenario: A key already expired when WATCH ran does not abort EXEC when it is reclaimed
      # WATCH remembers that the key was already logically expired; deleting it later changes
      # nothing the client saw (redis/redis#10256, Redis 7.0). Tcl: unit/multi.tcl "Delete WATCHed
      # stale keys should not fail EXEC".
      Given active expiry is switched off on the server
      And the client has sent "SET stale v PX 1"
      And the server clock has moved on by 20 ms
      And the client has sent "WATCH stale"
      And the client has sent "EXISTS stale"
      And the client has sent "MULTI"
      And the client has sent "PING"
      When the client sends "EXEC"
      Then the reply is ["PONG"]

  Rule: Since Redis 7.4 single hash fields can expire, each with its own TTL

    @since_7_4
    Scenario: HEXPIREAT replies one code per field: 1 when it set the deadline, -2 when the field does not exist
      Given the client has sent "HSET profile name alice"
      When the client sends "HEXPIREAT profile 4102444800 FIELDS 2 name email"
      Then the reply is [1, -2]
      And "HEXPIRETIME profile FIELDS 2 name email" replies [4102444800, -2]

    @since_7_4
    Scenario: HEXPIRE with 0 deletes the field at once and replies 2
      Given the client has sent "HSET profile name alice otp 123456"
      When the client sends "HEXPIRE profile 0 FIELDS 1 otp"
      Then the reply is [2]
      And "HEXISTS profile otp" replies 0

    @since_7_4
    Scenario: HSET on a field with a TTL drops that field's TTL, like SET on a key
      Given the client has sent:
        """
        HSET profile otp 123456
        HEXPIRE profile 100 FIELDS 1 otp
        """
      When the client sends "HSET profile otp 654321"
      Then "HTTL profile FIELDS 1 otp" replies [-1]

    @since_7_4
    Scenario: An expiring field leaves the other fields of the hash alone
      Given the client has sent:
        """
        HSET profile name alice otp 123456
        HPEXPIRE profile 100 FIELDS 1 otp
        """
      Then within 5 seconds "HGETALL profile" replies ["name", "alice"]
      And "TTL profile" replies -1

    @since_7_4
    Scenario: When its last field expires, the hash itself is gone
      Given the client has sent:
        """
        HSET profile otp 123456
        HPEXPIRE profile 100 FIELDS 1 otp
        """
      Then within 5 seconds "EXISTS profile" replies 0

  Rule: SET … GET returns the old value, with the same TTL rules as SET

    @since_6_2
    Scenario: SET … GET returns the old value and drops the TTL, like a plain SET
      Given the client has sent "SET token old EX 100"
      When the client sends "SET token new GET"
      Then the reply is "old"
      And "TTL token" replies -1

    @since_6_2
    Scenario: SET … GET on a key of another type fails and leaves the key as it was
      Given the client has sent "RPUSH token a"
      When the client sends "SET token new GET"
      Then the reply is an error saying "WRONGTYPE Operation against a key holding the wrong kind of value"
      And "TYPE token" replies "list"
