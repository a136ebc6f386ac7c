Feature: A script runs alone, and a long script blocks everybody
  Redis runs one script at a time and nothing else in between: a read-modify-write inside a
  script can never lose an update. The price is that a slow script stalls every other client.
  Past the busy threshold (busy-reply-threshold, formerly lua-time-limit) the server answers
  other clients BUSY, and SCRIPT KILL can stop the script only while it has not written; after a
  write, only SHUTDOWN NOSAVE ends it, because a half-done script must not become visible.

  Rule: Nothing interleaves with a script

    Scenario: Eight clients doing read-modify-write in a script lose no update
      When 8 clients each run EVAL with keys "n" 100 times:
        """
        local value = tonumber(redis.call('GET', KEYS[1]) or '0')
        redis.call('SET', KEYS[1], value + 1)
        """
      Then "GET n" replies "800"

    Scenario: Key expiry inside a script uses the time the script started, so a key with a 1 ms TTL lives to its end
      # Only expiry is frozen on every version; TIME itself reads the wall clock before 7.2 and the
      # start time from 7.2 (redis/redis#10300), as determinism_and_replication.feature shows.
      When the client runs EVAL with keys "brief":
        """
        redis.call('SET', KEYS[1], 'v', 'PX', 1)
        local spin = 0
        while spin < 3000000 do spin = spin + 1 end
        return redis.call('EXISTS', KEYS[1])
        """
      Then the reply is 1
      And within 5 seconds "EXISTS brief" replies 0

  Rule: A script running past the busy threshold makes the server answer BUSY

    @own_server @redis_only
    Scenario: Other clients get BUSY while a script runs past the threshold
      Given the busy-script threshold is 100 ms
      When client "A" starts EVAL in the background:
        """
        while true do end
        """
      Then within 10 seconds client "B" gets an error saying "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." for "PING"

    # Valkey's server messages name Valkey where Redis's name Redis; the rest of the line is the same.
    @own_server @valkey_only
    Scenario: On Valkey, other clients get a BUSY error naming Valkey while a script runs past the threshold
      Given the busy-script threshold is 100 ms
      When client "A" starts EVAL in the background:
        """
        while true do end
        """
      Then within 10 seconds client "B" gets an error saying "BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." for "PING"

    # The BUSY line itself is stated by the scenarios above, for each server; here it is only the signal.
    @own_server @redis_only @since_7_0
    Scenario: SCRIPT KILL stops a busy script that has not written, and its caller gets an error
      Given the busy-script threshold is 100 ms
      When client "A" starts EVAL in the background:
        """
        while true do end
        """
      And within 10 seconds client "B" gets an error starting with "BUSY " for "PING"
      And client "B" sends "SCRIPT KILL"
      Then the reply is "OK"
      And the background script of client "A" ends with an error starting with "ERR Script killed by user with SCRIPT KILL... script: " and ending with ", on @user_script:1."

    # Before 7.0 the message came after "Error running script" and the script's SHA-1 (redis/redis#10329).
    @own_server @before_7_0
    Scenario: Before 7.0 SCRIPT KILL stops a busy script that has not written, and its caller's error names the script first
      Given the busy-script threshold is 100 ms
      When client "A" starts EVAL in the background:
        """
        while true do end
        """
      And within 10 seconds client "B" gets an error starting with "BUSY " for "PING"
      And client "B" sends "SCRIPT KILL"
      Then the reply is "OK"
      And the background script of client "A" ends with an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:1: Script killed by user with SCRIPT KILL..."

    # Valkey ends the killed script's error with one full stop where Redis writes three.
    @own_server @valkey_only
    Scenario: On Valkey, SCRIPT KILL stops a busy script that has not written, and its caller's error has one full stop
      Given the busy-script threshold is 100 ms
      When client "A" starts EVAL in the background:
        """
        while true do end
        """
      And within 10 seconds client "B" gets an error starting with "BUSY " for "PING"
      And client "B" sends "SCRIPT KILL"
      Then the reply is "OK"
      And the background script of client "A" ends with an error starting with "ERR Script killed by user with SCRIPT KILL. script: "

    Scenario: SCRIPT KILL refuses a busy script that has already written
      Given a separate server with a busy-script threshold of 100 ms
      When a client of that server starts EVAL with keys "written" in the background:
        """
        redis.call('SET', KEYS[1], '1')
        while true do end
        """
      And within 10 seconds another client of that server gets an error starting with "BUSY " for "PING"
      And another client of that server sends "SCRIPT KILL"
      Then the reply is an error saying "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."

    Scenario: SHUTDOWN NOSAVE is the way out of an unkillable script
      Given a separate server with a busy-script threshold of 100 ms
      When a client of that server starts EVAL with keys "written" in the background:
        """
        redis.call('SET', KEYS[1], '1')
        while true do end
        """
      And within 10 seconds another client of that server gets an error starting with "BUSY " for "PING"
      And another client of that server sends "SHUTDOWN NOSAVE"
      Then that server has stopped within 10 seconds
      And the background script ended because the connection was closed
