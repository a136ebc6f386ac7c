Feature: Sets answer membership questions
  A set holds distinct strings with no order. It is the natural model for "who liked this" and
  "what did this user favorite": adding twice changes nothing, and membership of many items can
  be asked in one command. Redis picks a compact encoding for small sets and says which.

  Rule: A set counts only distinct new members

    Scenario: SADD counts a member repeated in one call once
      When the client sends "SADD likers ana bob ana"
      Then the reply is 2

    Scenario: SADD of a member that is already there adds nothing
      Given the client has sent "SADD likers ana"
      When the client sends "SADD likers ana"
      Then the reply is 0

    Scenario: SREM of the last member deletes the key
      Given the client has sent "SADD likers ana"
      When the client sends "SREM likers ana"
      Then the reply is 1
      And "EXISTS likers" replies 0

    Scenario: SCARD of a missing key is zero
      When the client sends "SCARD nothing"
      Then the reply is 0

  Rule: SMISMEMBER answers many membership questions at once, in argument order

    @since_6_2
    Scenario: SMISMEMBER returns one 0 or 1 per member asked, in the order asked
      Given the client has sent "SADD favorites lamp desk"
      When the client sends "SMISMEMBER favorites chair desk lamp"
      Then the reply is [0, 1, 1]

    @since_6_2
    Scenario: SMISMEMBER on a missing key answers 0 for every member
      When the client sends "SMISMEMBER nothing a b"
      Then the reply is [0, 0]

  Rule: Small sets use compact encodings

    Scenario: A set of integers only is an intset
      When the client has sent "SADD ids 1 2 3"
      Then "OBJECT ENCODING ids" replies "intset"

    @before_7_2
    Scenario: Before 7.2, adding a non-integer converts an intset to a hashtable
      Given the client has sent "SADD ids 1 2 3"
      When the client sends "SADD ids x"
      Then "OBJECT ENCODING ids" replies "hashtable"

    @since_7_2
    Scenario: From 7.2, adding a non-integer to a small intset converts it to a listpack
      Given the client has sent "SADD ids 1 2 3"
      When the client sends "SADD ids x"
      Then "OBJECT ENCODING ids" replies "listpack"
