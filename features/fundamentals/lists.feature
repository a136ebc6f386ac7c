Feature: Lists as capped, most-recent-first feeds
  A list keeps elements in insertion order and is cheap to grow or shrink at either end. Pushing
  to the head and trimming to N elements in the same round trip gives a capped "most recent"
  feed. Reading is by index ranges, inclusive at both ends; the cost of a range grows with its
  distance from the nearest end, so paging the head of a capped list stays cheap while reading
  the middle of a huge list does not.

  Rule: Pushes add at one end, one argument after the other

    Scenario: LPUSH with several values pushes each in turn, so the last argument ends up first
      When the client sends "LPUSH feed a b c"
      Then the reply is 3
      And "LRANGE feed 0 -1" replies ["c", "b", "a"]

    Scenario: RPUSH with several values keeps the argument order
      When the client sends "RPUSH feed a b c"
      Then "LRANGE feed 0 -1" replies ["a", "b", "c"]

    Scenario: Popping the last element deletes the key
      Given the client has sent "RPUSH one x"
      When the client sends "RPOP one"
      Then the reply is "x"
      And "EXISTS one" replies 0

    Scenario: Popping a missing list reads nil
      When the client sends "RPOP nothing"
      Then the reply is nil

  Rule: LTRIM keeps a range and drops the rest

    Scenario: LPUSH then LTRIM 0 N-1 keeps only the newest N elements
      Given the client has sent "LPUSH recent p1 p2 p3 p4 p5 p6"
      When the client sends "LTRIM recent 0 2"
      Then "LRANGE recent 0 -1" replies ["p6", "p5", "p4"]

    Scenario: LTRIM to a range past the end deletes the key
      Given the client has sent "RPUSH recent p1 p2 p3"
      When the client sends "LTRIM recent 5 10"
      Then the reply is "OK"
      And "EXISTS recent" replies 0

  Rule: LRANGE is inclusive at both ends and clamps out-of-range indexes

    Scenario: LRANGE with the start after the end reads an empty list, not an error
      Given the client has sent "RPUSH l a b c"
      When the client sends "LRANGE l 2 1"
      Then the reply is []

    Scenario: LRANGE clamps indexes beyond either end to the whole list
      Given the client has sent "RPUSH l a b c"
      When the client sends "LRANGE l -100 100"
      Then the reply is ["a", "b", "c"]

    Scenario: LRANGE includes the element at the stop index
      Given the client has sent "RPUSH l a b c d"
      When the client sends "LRANGE l 1 2"
      Then the reply is ["b", "c"]

  Rule: A small list is one listpack since 7.2; a long one is a quicklist of listpack nodes
    # list-max-listpack-size -2 (the default) caps a node at 8 kB; a list that fits one node is a
    # plain listpack since 7.2 (redis/redis#11303), and every list was a quicklist before.

    @since_7_2
    Scenario: Since 7.2 a list of a few short elements is stored as a listpack
      Given the client has sent "RPUSH feed a b c"
      When the client sends "OBJECT ENCODING feed"
      Then the reply is "listpack"

    @before_7_2
    Scenario: Before 7.2 even a list of a few short elements is stored as a quicklist
      Given the client has sent "RPUSH feed a b c"
      When the client sends "OBJECT ENCODING feed"
      Then the reply is "quicklist"

    @since_7_2
    Scenario: Since 7.2 a list that outgrows one 8 kB node becomes a quicklist
      Given the client has sent "RPUSH feed a b c"
      When the client sends "EVAL 'return redis.call([[RPUSH]], KEYS[1], string.rep([[x]], 9000))' 1 feed"
      Then the reply is 4
      And "OBJECT ENCODING feed" replies "quicklist"
