@own_server
Feature: Over maxmemory, Redis evicts what its policy allows, or refuses writes
  With a maxmemory limit, every command first frees memory as the policy says. noeviction frees
  nothing: writes are refused with OOM while reads, and commands that free memory, still run; a script
  that declares it may write is refused before it starts. The volatile-* policies only ever evict keys
  that have a TTL, and refuse writes once none is left; the allkeys-* policies evict any key, a lock or
  a stock reservation included. Each policy picks its victims its own way: least recently used,
  least frequently used (OBJECT FREQ shows the counter), or nearest to expiring.
  (https://redis.io/docs/latest/develop/reference/eviction/)

  Rule: noeviction refuses writes and keeps serving everything else

    Scenario: A write over the memory limit is refused with OOM
      Given the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client sends "SET greeting hello"
      Then the reply is an error saying "OOM command not allowed when used memory > 'maxmemory'."

    Scenario: Reads are still served over the memory limit
      Given the client has sent "SET greeting hello"
      And the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client sends "GET greeting"
      Then the reply is "hello"

    Scenario: DEL still runs over the memory limit, since it frees memory
      Given the client has sent "SET greeting hello"
      And the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client sends "DEL greeting"
      Then the reply is 1

    @since_7_0
    Scenario: A script that does not declare no-writes is refused before it runs
      # A script with a shebang is judged by its flags up front, as a command would be
      # (https://redis.io/docs/latest/develop/interact/programmability/lua-api/, "Script flags").
      Given the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client runs the script:
        """
        #!lua
        return 1
        """
      Then the reply is an error saying "OOM command not allowed when used memory > 'maxmemory'."

    @since_7_0_1
    Scenario: A script declared no-writes runs over the memory limit
      # no-writes implies allow-oom since 7.0.1 (redis/redis#10699); 7.0.0 refused such a script
      # unless it also declared allow-oom.
      Given the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client runs the script:
        """
        #!lua flags=no-writes
        return 'read'
        """
      Then the reply is "read"

    @since_7_0
    Scenario: A script without a shebang starts, and only its write is refused
      Given the client has sent "SET greeting hello"
      And the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client runs the script with the key "greeting":
        """
        return redis.pcall('SET', KEYS[1], 'changed')['err']
        """
      Then the reply is "OOM command not allowed when used memory > 'maxmemory'."
      And "GET greeting" replies "hello"

    # Before 7.0 the error table of redis.pcall held the script's location and the raw protocol line
    # (leading "-", trailing CRLF) of the shared OOM reply; the script unit of the Functions work
    # (redis/redis#9780) made it the bare message.
    @before_7_0
    Scenario: Before 7.0 a script's refused write returns the OOM protocol line after the script's location
      Given the client has sent "SET greeting hello"
      And the memory policy is "noeviction"
      And the memory limit is 1 byte
      When the client runs the script with the key "greeting":
        """
        return redis.pcall('SET', KEYS[1], 'changed')['err']
        """
      Then the reply is "@user_script: 1: -OOM command not allowed when used memory > 'maxmemory'.\r\n"
      And "GET greeting" replies "hello"

  Rule: volatile policies evict only keys with a TTL

    Scenario: volatile-lru evicts the keys with a TTL and keeps the others
      Given the client has sent:
        """
        SET cart:1 x PX 60000
        SET cart:2 y PX 60000
        SET catalog:1 z
        """
      And the memory policy is "volatile-lru"
      And the memory limit is 1 byte
      When the client sends "PING"
      Then "EXISTS cart:1 cart:2" replies 0
      And "EXISTS catalog:1" replies 1

    Scenario: volatile-lru refuses writes once no key with a TTL is left
      Given the client has sent "SET catalog:1 z"
      And the memory policy is "volatile-lru"
      And the memory limit is 1 byte
      When the client sends "SET catalog:2 w"
      Then the reply is an error saying "OOM command not allowed when used memory > 'maxmemory'."

    # The keys are large and the limit falls halfway between two evictions: every new connection
    # takes memory too (about 50 kB each on Redis 6.2 with libc malloc), and a margin of a few
    # connections once made a policy evict one key more than its order required.
    Scenario: volatile-ttl evicts the keys nearest to their deadline first
      Given the memory policy is "volatile-ttl"
      And the key "soon" holds 1000 kB and expires in 100 seconds
      And the key "later" holds 1000 kB and expires in 200 seconds
      And the key "last" holds 1000 kB and expires in 300 seconds
      And the memory limit is 1500 kB below what the server uses
      When the client sends "PING"
      Then "EXISTS soon later" replies 0
      And "EXISTS last" replies 1

  Rule: allkeys policies evict any key, a lock or a reservation hold included

    Scenario: allkeys-lru evicts a lock that is still held
      Given the client has sent "SET lock:report client-a NX PX 30000"
      And the memory policy is "allkeys-lru"
      And the memory limit is 1 byte
      When the client sends "PING"
      Then "EXISTS lock:report" replies 0

    Scenario: allkeys-lfu evicts a stock reservation hold without a TTL
      Given the client has sent "HSET hold:order-1 sku-1 2"
      And the memory policy is "allkeys-lfu"
      And the memory limit is 1 byte
      When the client sends "PING"
      Then "EXISTS hold:order-1" replies 0

    Scenario: allkeys-lru evicts the key idle the longest first
      Given the memory policy is "allkeys-lru"
      And the key "old" holds 1000 kB and has been idle for 1000 seconds
      And the key "fresh" holds 1000 kB
      And the memory limit is 500 kB below what the server uses
      When the client sends "PING"
      Then "EXISTS old" replies 0
      And "EXISTS fresh" replies 1

    Scenario: allkeys-lfu evicts the key used the least first
      Given the memory policy is "allkeys-lfu"
      And the key "rare" holds 1000 kB and has an access frequency of 1
      And the key "popular" holds 1000 kB and has an access frequency of 200
      And the memory limit is 500 kB below what the server uses
      When the client sends "PING"
      Then "EXISTS rare" replies 0
      And "EXISTS popular" replies 1

    Scenario: INFO stats counts every evicted key
      Given the client has sent:
        """
        SET a 1
        SET b 2
        SET c 3
        """
      And the memory policy is "allkeys-random"
      And the memory limit is 1 byte
      When the client sends "PING"
      Then the server has evicted 3 keys since the limit was set

  Rule: The counters behind LRU and LFU are visible, one at a time

    Scenario: OBJECT FREQ counts the accesses under an LFU policy
      # lfu-log-factor 0 makes the logarithmic counter count every access; a new key starts at 5
      # (LFU_INIT_VAL) so that it is not evicted at once. The value is not an integer: small integers
      # are shared objects, which carry no counter of their own.
      Given the memory policy is "allkeys-lfu"
      And the server setting "lfu-log-factor" is "0"
      And the client has sent "SET views seen"
      And the client has sent "GET views" 10 times
      When the client sends "OBJECT FREQ views"
      Then the reply is 15

    Scenario: OBJECT FREQ is refused without an LFU policy
      Given the memory policy is "allkeys-lru"
      And the client has sent "SET views seen"
      When the client sends "OBJECT FREQ views"
      Then the reply is an error starting with "ERR An LFU maxmemory policy is not selected, access frequency not tracked."

    Scenario: OBJECT IDLETIME is refused under an LFU policy
      Given the memory policy is "allkeys-lfu"
      And the client has sent "SET views seen"
      When the client sends "OBJECT IDLETIME views"
      Then the reply is an error starting with "ERR An LFU maxmemory policy is selected, idle time not tracked."
