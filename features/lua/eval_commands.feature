Feature: EVAL at its edges: conversions both ways, the cache, and what a script may start with
  A script's return value becomes the reply, and every reply redis.call returns becomes a Lua
  value, by fixed rules in both directions. This file states the conversions that the other
  scripting files do not, the helpers redis.status_reply and redis.sha1hex, the errors of a bad
  SHA-1 or a bad command inside a script, and the shebang line of 7.0. The facts follow
  redis/redis `tests/unit/scripting.tcl` and the EVAL and "Lua API" pages on redis.io.

  Rule: Lua values become replies: strings stay strings, true is 1, false is nil

    Scenario: A script's return value is its reply
      When the client runs EVAL:
        """
        return 'hello'
        """
      Then the reply is "hello"

    Scenario: A Lua string becomes a bulk string reply
      When the client runs EVAL:
        """
        return '123'
        """
      Then the reply is "123"

    Scenario: Lua true becomes the integer 1
      When the client runs EVAL:
        """
        return true
        """
      Then the reply is 1

    Scenario: Lua false becomes a nil reply
      When the client runs EVAL:
        """
        return false
        """
      Then the reply is nil

    Scenario: redis.status_reply becomes a status reply
      When the client runs EVAL:
        """
        return redis.status_reply('DONE')
        """
      Then the reply is "DONE"

  Rule: Replies become Lua values: integers are numbers, bulks are strings, arrays are tables

    Scenario: redis.call runs a command and returns its reply
      Given the client has sent "SET mykey myval"
      When the client runs EVAL with keys "mykey":
        """
        return redis.call('GET', KEYS[1])
        """
      Then the reply is "myval"

    Scenario: An integer reply reaches Lua as a number
      Given the client has sent "SET x 0"
      When the client runs EVAL with keys "x":
        """
        local n = redis.call('INCR', KEYS[1])
        return {type(n), n}
        """
      Then the reply is ["number", 1]

    Scenario: A bulk reply reaches Lua as a string
      Given the client has sent "SET x myval"
      When the client runs EVAL with keys "x":
        """
        local v = redis.call('GET', KEYS[1])
        return {type(v), v}
        """
      Then the reply is ["string", "myval"]

    Scenario: An array reply reaches Lua as a table
      Given the client has sent "RPUSH l a b c"
      When the client runs EVAL with keys "l":
        """
        local t = redis.call('LRANGE', KEYS[1], 0, -1)
        return {type(t), #t, t[3]}
        """
      Then the reply is ["table", 3, "c"]

    Scenario: A status reply reaches Lua as a table with an ok field
      When the client runs EVAL with keys "x":
        """
        local s = redis.call('SET', KEYS[1], 'v')
        return {type(s), s['ok']}
        """
      Then the reply is ["table", "OK"]

  Rule: Errors inside a script are the errors of the command, reported to the caller

    # Valkey took the word "Redis" out of the errors redis.call raises (valkey-io/valkey#206):
    # each of them is stated for both servers.
    @redis_only @since_7_0
    Scenario: redis.call without a command is an error
      When the client runs EVAL:
        """
        return redis.call()
        """
      Then the reply is an error starting with "ERR Please specify at least one argument for this redis lib call"

    # Before 7.0 a script's error came wrapped in "Error running script" and named the call
    # redis.call() (the wording changed with redis/redis#10329).
    @before_7_0
    Scenario: Before 7.0, redis.call without a command is an error that names redis.call()
      When the client runs EVAL:
        """
        return redis.call()
        """
      Then the reply is an error starting with "ERR Error running script (call to f_" and ending with ": Please specify at least one argument for redis.call()"

    @valkey_only
    Scenario: On Valkey, redis.call without a command is an error that does not name Redis
      When the client runs EVAL:
        """
        return redis.call()
        """
      Then the reply is an error starting with "ERR Please specify at least one argument for this call script: "

    @redis_only @since_7_0
    Scenario: A command with the wrong number of arguments fails inside a script as outside
      When the client runs EVAL:
        """
        return redis.pcall('GET', 'a', 'b', 'c')
        """
      Then the reply is an error saying "ERR Wrong number of args calling Redis command from script"

    @before_7_0
    Scenario: Before 7.0, a command with the wrong number of arguments in a script is an error without a code
      When the client runs EVAL:
        """
        return redis.pcall('GET', 'a', 'b', 'c')
        """
      Then the reply is an error saying "@user_script: 1: Wrong number of args calling Redis command From Lua script"

    @valkey_only
    Scenario: On Valkey, a command with the wrong number of arguments fails in a script with an error that does not name Redis
      When the client runs EVAL:
        """
        return redis.pcall('GET', 'a', 'b', 'c')
        """
      Then the reply is an error saying "ERR Wrong number of args calling command from script"

    Scenario: A script may end with a comment
      When the client runs EVAL:
        """
        return 'ok' -- a trailing comment
        """
      Then the reply is "ok"

  Rule: The script cache is addressed by SHA-1

    @redis_only
    Scenario: EVALSHA refuses a SHA-1 that is not 40 characters long
      When the client sends "EVALSHA NotValidShaSUM 0"
      Then the reply is an error saying "NOSCRIPT No matching script. Please use EVAL."

    # Valkey's NOSCRIPT line stops after "No matching script." (valkey-io/valkey#1537).
    @valkey_only
    Scenario: On Valkey, EVALSHA refuses a SHA-1 that is not 40 characters long with its shorter NOSCRIPT
      When the client sends "EVALSHA NotValidShaSUM 0"
      Then the reply is an error saying "NOSCRIPT No matching script."

    @since_7_0
    Scenario: EVALSHA_RO runs a cached script that only reads
      Given the client has sent "SET mykey myval"
      And the client has loaded the script:
        """
        return redis.call('GET', KEYS[1])
        """
      When the client sends "EVALSHA_RO d3c21d0c2b9ca22f82737626a27bcaf5d288f99f 1 mykey"
      Then the reply is "myval"

    @own_server
    Scenario: SCRIPT FLUSH ASYNC empties the cache too
      Given the client has loaded the script:
        """
        return 1
        """
      When the client sends "SCRIPT FLUSH ASYNC"
      Then the reply is "OK"
      And SCRIPT EXISTS of that script replies [0]

    Scenario: redis.sha1hex gives the SHA-1 of a string in hex
      When the client runs EVAL:
        """
        return {redis.sha1hex(''), redis.sha1hex('Pizza & Mandolino')}
        """
      Then the reply is ["da39a3ee5e6b4b0d3255bfef95601890afd80709", "74822d82031af7493c20eefa13bd07ec4fada82f"]

  Rule: Since 7.0 a script may declare its flags in a shebang line

    @since_7_0
    Scenario: A script may start with a "#!lua" shebang line
      When the client runs EVAL:
        """
        #!lua
        return 1
        """
      Then the reply is 1

    @since_7_0
    Scenario: A shebang with an unknown option is refused
      When the client runs EVAL:
        """
        #!lua badger=data
        return 1
        """
      Then the reply is an error saying "ERR Unknown lua shebang option: badger=data"

    @since_7_0
    Scenario: A shebang with an unknown flag is refused
      When the client runs EVAL:
        """
        #!lua flags=allow-oom,what?
        return 1
        """
      Then the reply is an error saying "ERR Unexpected flag in script shebang: what?"
