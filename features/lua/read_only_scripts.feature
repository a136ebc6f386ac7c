Feature: Read-only scripts: EVAL_RO and the no-writes flag
  Redis 7.0 lets a script declare that it only reads, with EVAL_RO / EVALSHA_RO or a
  "#!lua flags=no-writes" first line. Such a script may run on a read-only replica and
  is refused any write, which makes the promise checkable rather than a comment.

  Rule: A read-only script may read and may not write

    @since_7_0
    Scenario: EVAL_RO may read keys
      Given the client has sent "SET price 42"
      When the client runs EVAL_RO with keys "price":
        """
        return redis.call('GET', KEYS[1])
        """
      Then the reply is "42"

    @since_7_0
    Scenario: EVAL_RO refuses a write command
      When the client runs EVAL_RO with keys "price":
        """
        return redis.call('SET', KEYS[1], '0')
        """
      Then the reply is an error starting with "ERR Write commands are not allowed from read-only scripts. script: " and ending with ", on @user_script:1."
      And "EXISTS price" replies 0

    @since_7_0
    Scenario: A script whose shebang says no-writes is refused a write even under EVAL
      When the client runs EVAL with keys "price":
        """
        #!lua flags=no-writes
        return redis.call('SET', KEYS[1], '0')
        """
      Then the reply is an error starting with "ERR Write commands are not allowed from read-only scripts. script: " and ending with ", on @user_script:2."
