Feature: FUNCTION and FCALL at their edges: what a library may be called and how it is called
  A Functions library is loaded with FUNCTION LOAD, named in its "#!lua name=" header, and its
  functions are called with FCALL (or FCALL_RO for functions flagged no-writes). This file states
  the errors a client gets for a malformed library, a wrong call, or a management command that has
  nothing to act on. The facts follow redis/redis `tests/unit/functions.tcl` and the Functions
  pages on redis.io. Every scenario loads libraries, so it runs on a server of its own.

  Rule: FUNCTION LOAD checks the header, the engine and the code before it keeps anything

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses an unknown argument
      When the client sends "FUNCTION LOAD FOO 'x'"
      Then the reply is an error saying "ERR Unknown option given: FOO"

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses a library name with characters other than letters, digits and underscores
      When the client loads the library:
        """
        #!lua name=bad-name
        redis.register_function('f', function() return 1 end)
        """
      Then the reply is an error saying "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses an unknown engine
      When the client loads the library:
        """
        #!bad_engine name=lib
        redis.register_function('f', function() return 1 end)
        """
      Then the reply is an error saying "ERR Engine 'bad_engine' not found"

    @since_7_0 @own_server
    Scenario: FUNCTION LOAD refuses code that does not compile
      When the client loads the library:
        """
        #!lua name=lib
        bad script
        """
      Then the reply is an error starting with "ERR Error compiling function:"
      And "FUNCTION LIST" replies []

  Rule: FCALL names the function and says how many of its arguments are keys

    @since_7_0 @own_server
    Scenario: FCALL needs a numkeys
      Given the client has loaded the library:
        """
        #!lua name=lib
        redis.register_function('f', function() return 1 end)
        """
      When the client sends "FCALL f"
      Then the reply is an error saying "ERR wrong number of arguments for 'fcall' command"

    @since_7_0 @own_server
    Scenario: FCALL refuses a numkeys that is negative or larger than the arguments
      Given the client has loaded the library:
        """
        #!lua name=lib
        redis.register_function('f', function() return 1 end)
        """
      When the client sends "FCALL f -1"
      Then the reply is an error saying "ERR Number of keys can't be negative"
      And "FCALL f 2 k" replies an error saying "ERR Number of keys can't be greater than number of args"

    @since_7_0 @own_server
    Scenario: FCALL_RO runs a function flagged no-writes
      Given the client has sent "SET k v"
      And the client has loaded the library:
        """
        #!lua name=lib
        redis.register_function{function_name='get', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}
        """
      When the client sends "FCALL_RO get 1 k"
      Then the reply is "v"

  Rule: FUNCTION DELETE, FLUSH and KILL act on what is there, and say when nothing is

    @since_7_0 @own_server
    Scenario: FUNCTION DELETE removes a library and its functions
      Given the client has loaded the library:
        """
        #!lua name=lib
        redis.register_function('f', function() return 1 end)
        """
      When the client sends "FUNCTION DELETE lib"
      Then the reply is "OK"
      And "FCALL f 0" replies an error saying "ERR Function not found"

    @since_7_0 @own_server
    Scenario: FUNCTION DELETE of an unknown library is an error
      When the client sends "FUNCTION DELETE nosuchlib"
      Then the reply is an error saying "ERR Library not found"

    @since_7_0 @own_server
    Scenario: FUNCTION KILL with no function running is an error
      When the client sends "FUNCTION KILL"
      Then the reply is an error saying "NOTBUSY No scripts in execution right now."

    @since_7_0 @own_server
    Scenario: FUNCTION FLUSH removes every library
      Given the client has loaded the library:
        """
        #!lua name=lib
        redis.register_function('f', function() return 1 end)
        """
      When the client sends "FUNCTION FLUSH"
      Then the reply is "OK"
      And "FUNCTION LIST" replies []
