Feature: The script cache: SCRIPT LOAD, EVALSHA and NOSCRIPT
  EVAL sends the whole script every time. SCRIPT LOAD stores it under the SHA-1 of its text and
  EVALSHA runs it by that name. The cache is not data: SCRIPT FLUSH, a restart or a failover
  empties it, and since 7.4 Redis keeps at most 500 of the scripts EVAL cached (not those of
  SCRIPT LOAD), evicting the least recently used (redis/redis#13108; INFO counts them in
  evicted_scripts). EVALSHA then answers NOSCRIPT, so a client must be ready to load the
  script again. Inside MULTI or a pipeline that answer comes too late to retry in place, which
  is why the reservation service loads its scripts before it first uses them.

  Rule: A script is named by the SHA-1 of its text

    Scenario: SCRIPT LOAD replies with the SHA-1 of the script text
      When the client sends "SCRIPT LOAD 'return 1'"
      Then the reply is "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"

    Scenario: EVALSHA runs a loaded script with its own keys
      Given the client has sent "SET greeting hello"
      And the client has loaded the script:
        """
        return redis.call('GET', KEYS[1])
        """
      When the client runs EVALSHA of that script with keys "greeting"
      Then the reply is "hello"

    Scenario: EVALSHA accepts the SHA-1 in upper case
      Given the client has sent "SCRIPT LOAD 'return 1'"
      When the client sends "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0"
      Then the reply is 1

    @redis_only
    Scenario: EVALSHA of an unknown SHA-1 answers NOSCRIPT
      When the client sends "EVALSHA ffffffffffffffffffffffffffffffffffffffff 0"
      Then the reply is an error saying "NOSCRIPT No matching script. Please use EVAL."

    # Valkey's NOSCRIPT line stops after "No matching script." (clients that match the whole
    # Redis text break on it: viafintech/gcra-ruby#13); the NOSCRIPT code is the same.
    @valkey_only
    Scenario: On Valkey, EVALSHA of an unknown SHA-1 answers NOSCRIPT without "Please use EVAL"
      When the client sends "EVALSHA ffffffffffffffffffffffffffffffffffffffff 0"
      Then the reply is an error saying "NOSCRIPT No matching script."

    Scenario: SCRIPT EXISTS answers 1 or 0 for each SHA-1 asked
      Given the client has sent "SCRIPT LOAD 'return 1'"
      When the client sends "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db ffffffffffffffffffffffffffffffffffffffff"
      Then the reply is [1, 0]

    Scenario: EVAL caches the script it ran, so EVALSHA finds it afterwards
      # Since 7.4 it stays only while it is among the 500 EVAL scripts used most recently
      # (redis/redis#13108); a script loaded with SCRIPT LOAD is never evicted.
      When the client sends "EVAL 'return 2' 0"
      Then "EVALSHA 7f923f79fe76194c868d7e1d0820de36700eb649 0" replies 2

    @redis_only
    Scenario: An EVALSHA of an unknown script inside MULTI fails only at EXEC, and the rest still runs
      Given the client has sent:
        """
        MULTI
        SET a 1
        EVALSHA ffffffffffffffffffffffffffffffffffffffff 0
        SET b 2
        """
      When the client sends "EXEC"
      Then the reply is ["OK", "error: NOSCRIPT No matching script. Please use EVAL.", "OK"]
      And "MGET a b" replies ["1", "2"]

    @valkey_only
    Scenario: On Valkey, an EVALSHA of an unknown script inside MULTI fails only at EXEC with its shorter NOSCRIPT
      Given the client has sent:
        """
        MULTI
        SET a 1
        EVALSHA ffffffffffffffffffffffffffffffffffffffff 0
        SET b 2
        """
      When the client sends "EXEC"
      Then the reply is ["OK", "error: NOSCRIPT No matching script.", "OK"]
      And "MGET a b" replies ["1", "2"]

  Rule: Since 7.4 EVAL keeps at most 500 scripts, the least recently used going first
    # redis/redis#13108 ("Lua eval scripts first in first out LRU eviction"): every EVAL or EVALSHA of
    # an EVAL-cached script moves it to the end of a list of 500; scripts loaded with SCRIPT LOAD are
    # not in that list. Valkey took the change in 8.0 while its redis_version stayed 7.2.

    @since_7_4
    Scenario: From 7.4 the 501st script EVAL caches evicts the least recently used one
      Given the client has run EVAL of the scripts "return 1" to "return 501"
      Then SCRIPT EXISTS of "return 1" replies [0]
      And SCRIPT EXISTS of "return 2" replies [1]
      And INFO reports 500 cached scripts and 1 more evicted_scripts

    @since_7_4
    Scenario: From 7.4 running an EVAL-cached script again saves it from eviction
      Given the client has run EVAL of the scripts "return 1" to "return 500"
      And the client has sent "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"
      When the client runs EVAL of the scripts "return 501" to "return 501"
      Then SCRIPT EXISTS of "return 1" replies [1]
      And SCRIPT EXISTS of "return 2" replies [0]

    @since_7_4
    Scenario: From 7.4 a script loaded with SCRIPT LOAD is never evicted
      Given the client has loaded the script:
        """
        return 'loaded'
        """
      When the client runs EVAL of the scripts "return 1" to "return 501"
      Then SCRIPT EXISTS of that script replies [1]
      And SCRIPT EXISTS of "return 1" replies [0]
      And INFO reports 501 cached scripts and 1 more evicted_scripts

    @before_7_4 @valkey_before_8_0
    Scenario: Before 7.4 EVAL caches every script it runs
      Given the client has run EVAL of the scripts "return 1" to "return 501"
      Then SCRIPT EXISTS of "return 1" replies [1]
      And INFO reports 501 cached scripts and no evicted_scripts field

    @valkey_only @valkey_since_8_0
    Scenario: On Valkey, whose redis_version says 7.2, the 501st script EVAL caches evicts the least recently used one
      Given the client has run EVAL of the scripts "return 1" to "return 501"
      Then SCRIPT EXISTS of "return 1" replies [0]
      And SCRIPT EXISTS of "return 2" replies [1]
      And INFO reports 500 cached scripts and 1 more evicted_scripts

  Rule: The cache is volatile

    @own_server
    Scenario: SCRIPT FLUSH empties the cache and EVALSHA then answers NOSCRIPT
      Given the client has loaded the script:
        """
        return 'cached'
        """
      When the client sends "SCRIPT FLUSH"
      And the client runs EVALSHA of that script
      # The whole NOSCRIPT line differs by server; it is stated by the scenarios above.
      Then the reply is an error starting with "NOSCRIPT No matching script."
      And SCRIPT EXISTS of that script replies [0]
