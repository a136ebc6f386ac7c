Feature: Errors inside a script, and why a script validates before it writes
  A script is atomic in the sense that nothing else runs while it runs, but it is not a
  transaction: when a command fails halfway, the writes made before it stay. redis.call raises
  the error and ends the script; redis.pcall hands it to the script as a value. The safe shape
  of a script is therefore: read and check everything first, then write.

  Rule: redis.call raises a command's error, redis.pcall returns it

    @since_7_0
    Scenario: An error from redis.call ends the script and reaches the caller, naming the script
      Given the client has sent "SET s abc"
      When the client runs EVAL with keys "s":
        """
        return redis.call('INCR', KEYS[1])
        """
      Then the reply is an error starting with "ERR value is not an integer or out of range script: " and ending with ", on @user_script:1."

    Scenario: redis.pcall returns the error as a table with an err field, and the script goes on
      Given the client has sent "SET s abc"
      When the client runs EVAL with keys "s":
        """
        local reply = redis.pcall('INCR', KEYS[1])
        return {type(reply), reply['err']}
        """
      Then the reply is ["table", "ERR value is not an integer or out of range"]

    # 7.0 reworded script errors: the message first, then the script's SHA-1 and line (redis/redis#10329).
    @since_7_0
    Scenario: A raw Lua error is reported with the script's line number
      When the client runs EVAL:
        """
        local x = 1
        error('custom failure')
        """
      Then the reply is an error starting with "ERR user_script:2: custom failure script: " and ending with ", on @user_script:2."

    # Before 7.0 the message came after "Error running script" and the script's SHA-1 (redis/redis#10329).
    @before_7_0
    Scenario: Before 7.0 a raw Lua error is reported with the script's line number, after the script's SHA-1
      When the client runs EVAL:
        """
        local x = 1
        error('custom failure')
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:2: user_script:2: custom failure"

  Rule: There is no rollback

    @since_7_0
    Scenario: An error in the middle of a script keeps the writes made before it
      When the client runs EVAL with keys "a b":
        """
        redis.call('SET', KEYS[1], '1')
        redis.call('LPUSH', KEYS[1], 'x')
        redis.call('SET', KEYS[2], '2')
        """
      Then the reply is an error starting with "WRONGTYPE Operation against a key holding the wrong kind of value script: " and ending with ", on @user_script:2."
      And "MGET a b" replies ["1", nil]

    # Before 7.0 the command's error came wrapped, under the generic ERR code (redis/redis#10329).
    @before_7_0
    Scenario: Before 7.0 an error in the middle of a script keeps the writes made before it, and its error code is ERR
      When the client runs EVAL with keys "a b":
        """
        redis.call('SET', KEYS[1], '1')
        redis.call('LPUSH', KEYS[1], 'x')
        redis.call('SET', KEYS[2], '2')
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:2: WRONGTYPE Operation against a key holding the wrong kind of value"
      And "MGET a b" replies ["1", nil]

    Scenario: A script that checks before it writes leaves nothing behind when a check fails
      Given the client has sent "SET stock:b 0"
      When the client runs EVAL with keys "stock:a stock:b":
        """
        for _, key in ipairs(KEYS) do
          if tonumber(redis.call('GET', key) or '0') < 1 then
            return redis.error_reply('OUT_OF_STOCK ' .. key)
          end
        end
        for _, key in ipairs(KEYS) do redis.call('DECR', key) end
        return 'OK'
        """
      Then the reply is an error saying "OUT_OF_STOCK stock:a"
      And "EXISTS stock:a" replies 0

  Rule: A script runs in a sandbox

    @since_7_0
    Scenario: Assigning a global variable is refused
      When the client runs EVAL:
        """
        counter = 1
        """
      Then the reply is an error starting with "ERR user_script:1: Attempt to modify a readonly table script: " and ending with ", on @user_script:1."

    @before_7_0
    Scenario: Before 7.0 assigning a global variable is refused, after the script's SHA-1
      When the client runs EVAL:
        """
        counter = 1
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:1: user_script:1: Attempt to modify a readonly table"

    @since_7_0
    Scenario: Reading an undefined global is an error rather than nil
      When the client runs EVAL:
        """
        return undefined_thing
        """
      Then the reply is an error starting with "ERR user_script:1: Script attempted to access nonexistent global variable 'undefined_thing' script: " and ending with ", on @user_script:1."

    @before_7_0
    Scenario: Before 7.0 reading an undefined global is an error rather than nil, after the script's SHA-1
      When the client runs EVAL:
        """
        return undefined_thing
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:1: user_script:1: Script attempted to access nonexistent global variable 'undefined_thing'"

    @since_7_0
    Scenario: MULTI cannot be called from a script
      When the client runs EVAL:
        """
        return redis.call('MULTI')
        """
      Then the reply is an error starting with "ERR This Redis command is not allowed from script script: " and ending with ", on @user_script:1."

    @before_7_0
    Scenario: Before 7.0 MULTI cannot be called from a script, and the error says "from scripts"
      When the client runs EVAL:
        """
        return redis.call('MULTI')
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:1: @user_script: 1: This Redis command is not allowed from scripts"

    @needs_databases
    Scenario: SELECT inside a script switches the script's database only, and the caller stays in its own
      Given the client has sent "SET k db0"
      When the client runs EVAL with keys "k":
        """
        redis.call('SELECT', 1)
        return tostring(redis.call('GET', KEYS[1]))
        """
      Then the reply is "false"
      And "GET k" replies "db0"

    @since_7_0 @before_7_2
    Scenario: Before 7.2 a blocking command is refused inside a script
      When the client runs EVAL with keys "queue":
        """
        return redis.call('BLPOP', KEYS[1], 0)
        """
      Then the reply is an error starting with "ERR This Redis command is not allowed from script script: " and ending with ", on @user_script:1."

    @before_7_0
    Scenario: Before 7.0 a blocking command is refused inside a script, and the error says "from scripts"
      When the client runs EVAL with keys "queue":
        """
        return redis.call('BLPOP', KEYS[1], 0)
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with "): @user_script:1: @user_script: 1: This Redis command is not allowed from scripts"

    @since_7_2
    Scenario: Since 7.2 a blocking command in a script does not block and behaves like its non-blocking form
      When the client runs EVAL with keys "queue":
        """
        return redis.call('BLPOP', KEYS[1], 0)
        """
      Then the reply is nil

  Rule: A command a script calls is checked like a client's command

    @since_7_0 @redis_only
    Scenario: Calling an unknown command ends the script with an error
      When the client runs EVAL:
        """
        return redis.call('NOSUCH')
        """
      Then the reply is an error starting with "ERR Unknown Redis command called from script script: "

    # Valkey took the word "Redis" out of the errors redis.call raises (valkey-io/valkey#206).
    @valkey_only
    Scenario: On Valkey, calling an unknown command ends the script with an error that does not name Redis
      When the client runs EVAL:
        """
        return redis.call('NOSUCH')
        """
      Then the reply is an error starting with "ERR Unknown command called from script script: "

    @since_7_0 @redis_only
    Scenario: redis.pcall returns an unknown command's error as a table the script can read
      When the client runs EVAL:
        """
        return redis.pcall('NOSUCH')['err']
        """
      Then the reply is "ERR Unknown Redis command called from script"

    @valkey_only
    Scenario: On Valkey, redis.pcall returns an unknown command's error, without "Redis", as a table
      When the client runs EVAL:
        """
        return redis.pcall('NOSUCH')['err']
        """
      Then the reply is "ERR Unknown command called from script"
