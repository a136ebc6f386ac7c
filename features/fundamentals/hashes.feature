Feature: Hashes hold an object's fields
  A hash is a small map from field to value under one key: the natural home of a product or a
  profile. Fields are written one by one with HSET, so two writers that change different fields
  never overwrite each other. This file shows what HSET counts, how missing fields read, how
  HINCRBY turns a field into a counter, and when Redis switches a small hash to a bigger encoding.

  Rule: HSET writes fields one by one and reports only the fields it created

    Scenario: HSET counts created fields, not updated ones
      Given the client has sent "HSET product name Lamp price 20"
      When the client sends "HSET product price 25 colour red"
      Then the reply is 1
      And "HGETALL product" replies ["name", "Lamp", "price", "25", "colour", "red"]

    Scenario: HSET with a field but no value is rejected as a whole
      When the client sends "HSET product name Lamp price"
      Then the reply is an error saying "ERR wrong number of arguments for 'hset' command"
      And "EXISTS product" replies 0

    Scenario: HMGET reads nil for each missing field, in the order asked
      Given the client has sent "HSET product name Lamp price 20"
      When the client sends "HMGET product price stock name"
      Then the reply is ["20", nil, "Lamp"]

    Scenario: HMGET on a missing key reads an array of nils, not an empty array
      When the client sends "HMGET nothing a b"
      Then the reply is [nil, nil]

    Scenario: HGETALL on a missing key reads an empty result
      When the client sends "HGETALL nothing"
      Then the reply is []

  Rule: HINCRBY turns a field into an atomic counter

    Scenario: HINCRBY creates the key and the field at zero
      When the client sends "HINCRBY product views 2"
      Then the reply is 2

    Scenario: HINCRBY on a field that is not an integer has its own error message
      Given the client has sent "HSET product name Lamp"
      When the client sends "HINCRBY product name 1"
      Then the reply is an error saying "ERR hash value is not an integer"

    Scenario: HINCRBY with a fractional increment gets the generic integer error
      When the client sends "HINCRBY product views 1.5"
      Then the reply is an error saying "ERR value is not an integer or out of range"

    Scenario: HINCRBY detects 64-bit overflow and leaves the field unchanged
      Given the client has sent "HSET product n -9223372036854775484"
      When the client sends "HINCRBY product n -10000"
      Then the reply is an error saying "ERR increment or decrement would overflow"
      And "HGET product n" replies "-9223372036854775484"

  Rule: Small hashes are stored compactly until a field or a value grows past 64 bytes
    # Or until the hash has more than 512 fields (hash-max-listpack-entries 512,
    # hash-max-listpack-value 64: the defaults in redis/redis src/config.c; 128 is the default
    # for sorted sets and sets, not hashes). Since 7.4 a small hash with field TTLs is a listpackex.

    @since_7_0
    Scenario: A hash whose fields and values are at most 64 bytes is a listpack
      Given the hash "small" has a field "f" whose value is 64 bytes long
      When the client sends "OBJECT ENCODING small"
      Then the reply is "listpack"

    Scenario: One 65-byte value converts a small hash to a hashtable
      Given the hash "big" has a field "f" whose value is 65 bytes long
      When the client sends "OBJECT ENCODING big"
      Then the reply is "hashtable"

    Scenario: The 64-byte limit applies to field names too
      Given the hash "big" has a field whose name is 65 bytes long
      When the client sends "OBJECT ENCODING big"
      Then the reply is "hashtable"

    # The entry limit is the default of hash-max-listpack-entries, 512 (CONFIG GET says so on 6.2, 7.0
    # and 8.2; before 7.0 the setting was hash-max-ziplist-entries, the same 512).
    @since_7_0
    Scenario: A hash of 512 fields is a listpack, and a 513th field converts it to a hashtable
      Given the hash "wide" has 512 fields "f1" to "f512"
      Then "OBJECT ENCODING wide" replies "listpack"
      When the client sends "HSET wide f513 v"
      Then "OBJECT ENCODING wide" replies "hashtable"

    # Listpacks replaced ziplists in 7.0 (redis/redis#8887); the limits stayed the same.
    @before_7_0
    Scenario: Before 7.0 a hash of 512 fields is a ziplist, and a 513th field converts it to a hashtable
      Given the hash "wide" has 512 fields "f1" to "f512"
      Then "OBJECT ENCODING wide" replies "ziplist"
      When the client sends "HSET wide f513 v"
      Then "OBJECT ENCODING wide" replies "hashtable"

    @since_7_4
    Scenario: A small hash with a field TTL is stored as a listpackex
      Given the client has sent:
        """
        HSET profile otp 123456
        HEXPIRE profile 100 FIELDS 1 otp
        """
      When the client sends "OBJECT ENCODING profile"
      Then the reply is "listpackex"
