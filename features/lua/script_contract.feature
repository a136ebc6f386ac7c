Feature: What a Lua script receives and what its reply becomes
  EVAL runs a Lua script on the server. The script gets its key names in KEYS and everything
  else in ARGV, always as strings, and whatever it returns is converted to a Redis reply by
  rules that surprise people: numbers lose their fraction, a nil ends an array, and a missing
  key reads as false. Knowing these rules is the difference between a script that works and
  one that silently returns the wrong thing.

  Rule: numkeys splits the arguments into KEYS and ARGV, both 1-based tables of strings

    Scenario: KEYS and ARGV are 1-based tables and numkeys decides where KEYS end
      When the client runs EVAL with keys "k1 k2" and arguments "a1":
        """
        return {KEYS[1], ARGV[1], #KEYS, #ARGV}
        """
      Then the reply is ["k1", "a1", 2, 1]

    Scenario: A numkeys larger than the number of arguments is refused
      When the client sends "EVAL 'return 1' 3 a"
      Then the reply is an error saying "ERR Number of keys can't be greater than number of args"

    Scenario: ARGV items are strings even when they look like numbers
      When the client runs EVAL with keys "" and arguments "41":
        """
        return type(ARGV[1])
        """
      Then the reply is "string"

    Scenario: Lua arithmetic coerces a numeric string, so ARGV[1] + 1 works
      When the client runs EVAL with keys "" and arguments "41":
        """
        return ARGV[1] + 1
        """
      Then the reply is 42

  Rule: Lua values become Redis replies by fixed, lossy rules

    Scenario Outline: A Lua number becomes an integer reply, truncated toward zero
      When the client runs EVAL:
        """
        return <number>
        """
      Then the reply is <integer>

      Examples:
        | number | integer |
        | 3.99   | 3       |
        | -3.7   | -3      |
        | 0.5    | 0       |

    Scenario: A fractional number survives only as a string
      When the client runs EVAL:
        """
        return tostring(3.99)
        """
      Then the reply is "3.99"

    Scenario: A nil inside a Lua table ends the array reply there
      When the client runs EVAL:
        """
        return {1, 2, nil, 4}
        """
      Then the reply is [1, 2]

    Scenario: The named fields of a Lua table are dropped from the reply
      When the client runs EVAL:
        """
        return {1, 2, name = 'dropped'}
        """
      Then the reply is [1, 2]

    Scenario: A table with an ok field becomes a status reply
      When the client runs EVAL:
        """
        return {ok = 'fine'}
        """
      Then the reply is "fine"

    Scenario: redis.error_reply becomes an error reply with the code as written
      When the client runs EVAL:
        """
        return redis.error_reply('OUT_OF_STOCK sku A has 0')
        """
      Then the reply is an error saying "OUT_OF_STOCK sku A has 0"

    Scenario: Inside a table, false becomes a nil element and the array goes on, unlike a Lua nil
      When the client runs EVAL:
        """
        return {1, true, false, 'x'}
        """
      Then the reply is [1, 1, nil, "x"]

  Rule: Redis replies become Lua values, and a missing key is false, never nil

    Scenario: GET of a missing key gives the script the boolean false
      When the client runs EVAL with keys "missing":
        """
        return type(redis.call('GET', KEYS[1]))
        """
      Then the reply is "boolean"

    Scenario: Comparing a missing key's value with nil is always false
      When the client runs EVAL with keys "missing":
        """
        if redis.call('GET', KEYS[1]) == nil then return 'nil' end
        return 'false, not nil'
        """
      Then the reply is "false, not nil"

    Scenario: An integer reply reaches the script as a Lua number, so EXISTS gives 1 and not true
      Given the client has sent "SET present v"
      When the client runs EVAL with keys "present":
        """
        local found = redis.call('EXISTS', KEYS[1])
        return {type(found), tostring(found == true)}
        """
      Then the reply is ["number", "false"]

  Rule: redis.setresp chooses the protocol of the replies a script receives, RESP2 by default

    Scenario: By default a script receives RESP2 replies, so HGETALL gives a flat array
      Given the client has sent "HSET h f v"
      When the client runs EVAL with keys "h":
        """
        local reply = redis.call('HGETALL', KEYS[1])
        return {type(reply.map), reply[1], reply[2]}
        """
      Then the reply is ["nil", "f", "v"]

    Scenario: After redis.setresp(3) HGETALL reaches the script as a table with a map field
      Given the client has sent "HSET h f v"
      When the client runs EVAL with keys "h":
        """
        redis.setresp(3)
        local reply = redis.call('HGETALL', KEYS[1])
        return {type(reply.map), reply.map.f}
        """
      Then the reply is ["table", "v"]

    Scenario: After redis.setresp(3) a Lua false is returned as false, no longer as nil
      # A RESP3 client gets the boolean false, a RESP2 client the integer 0 (both read 0 here).
      When the client runs EVAL:
        """
        redis.setresp(3)
        return false
        """
      Then the reply is 0

    @since_7_0
    Scenario: redis.setresp accepts only 2 or 3
      When the client runs EVAL:
        """
        redis.setresp(4)
        """
      Then the reply is an error starting with "ERR RESP version must be 2 or 3. script: "

  Rule: A Lua number given to redis.call becomes a string, written differently by version

    @before_7_2
    Scenario: Before 7.2 a Lua number given to redis.call is written with 17 significant digits
      When the client runs EVAL with keys "x":
        """
        redis.call('SET', KEYS[1], 3.7)
        return redis.call('GET', KEYS[1])
        """
      Then the reply is "3.7000000000000002"

    @since_7_2
    Scenario: Since 7.2 a Lua number given to redis.call is written in its shortest form
      When the client runs EVAL with keys "x":
        """
        redis.call('SET', KEYS[1], 3.7)
        return redis.call('GET', KEYS[1])
        """
      Then the reply is "3.7"
