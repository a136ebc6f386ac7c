Feature: Redis Functions: scripts that are part of the dataset
  Redis 7.0 Functions are Lua code loaded once with FUNCTION LOAD as a named library and called
  by name with FCALL. Unlike the EVAL script cache, a library is data: it is replicated and
  persisted, and SCRIPT FLUSH or FLUSHALL do not remove it. Keys and arguments arrive as the
  function's two parameters, not as the KEYS and ARGV globals.

  Rule: A library declares its name and registers at least one function

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses code without the "#!lua name=" header
      When the client loads the library:
        """
        redis.register_function('noname', function() return 1 end)
        """
      Then the reply is an error saying "ERR Missing library metadata"

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses a library that registers no function
      When the client loads the library:
        """
        #!lua name=empty
        return 1
        """
      Then the reply is an error saying "ERR No functions registered"

    @since_7_0 @own_server
    Scenario: Loading a library of the same name again needs REPLACE
      Given the client has loaded the library:
        """
        #!lua name=shop
        redis.register_function('shop_ping', function() return 'v1' end)
        """
      When the client loads the library:
        """
        #!lua name=shop
        redis.register_function('shop_ping', function() return 'v2' end)
        """
      Then the reply is an error saying "ERR Library 'shop' already exists"
      And "FCALL shop_ping 0" replies "v1"

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD REPLACE swaps the library's code in place
      Given the client has loaded the library:
        """
        #!lua name=shop
        redis.register_function('shop_ping', function() return 'v1' end)
        """
      When the client loads the library with REPLACE:
        """
        #!lua name=shop
        redis.register_function('shop_ping', function() return 'v2' end)
        """
      Then "FCALL shop_ping 0" replies "v2"

  Rule: FCALL passes keys and arguments as parameters

    @since_7_0 @own_server
    Scenario: A function receives its keys and arguments as two tables
      Given the client has loaded the library:
        """
        #!lua name=echo
        redis.register_function('echo_first', function(keys, args) return {keys[1], args[1], #keys} end)
        """
      When the client sends "FCALL echo_first 1 cart:1 hello"
      Then the reply is ["cart:1", "hello", 1]

    @since_7_0 @own_server
    Scenario: FCALL_RO refuses a function that is not flagged no-writes
      Given the client has loaded the library:
        """
        #!lua name=counter
        redis.register_function('counter_bump', function(keys) return redis.call('INCR', keys[1]) end)
        """
      When the client sends "FCALL_RO counter_bump 1 n"
      Then the reply is an error saying "ERR Can not execute a script with write flag using *_ro command."
      And "EXISTS n" replies 0

    @since_7_0 @own_server
    Scenario: FCALL of a function nobody loaded is an error
      When the client sends "FCALL nosuch_function 0"
      Then the reply is an error saying "ERR Function not found"

  Rule: A library is data, the script cache is not

    @since_7_0 @own_server
    Scenario: Functions survive SCRIPT FLUSH and FLUSHALL
      Given the client has loaded the library:
        """
        #!lua name=durable
        redis.register_function('durable_ping', function() return 'still here' end)
        """
      When the client sends "SCRIPT FLUSH"
      And the client sends "FLUSHALL"
      Then "FCALL durable_ping 0" replies "still here"
