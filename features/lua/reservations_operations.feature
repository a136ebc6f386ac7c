@component @since_7_0
Feature: Running the reservation service: script cache, Functions, cluster and contention
  The service loads its scripts once and calls them with EVALSHA. When the server has lost
  them (SCRIPT FLUSH, a restart, a failover) EVALSHA answers NOSCRIPT and the service loads the
  script again and retries -- safe, because a NOSCRIPT script did not run. The same logic also
  ships as the Function library "reservations_v1", which is part of the data and survives both.
  In a cluster every key of a partition carries the partition's hash tag, so a multi-SKU order
  is one script in one slot. And under contention the script simply queues, where the optimistic
  WATCH/MULTI/EXEC version aborts and starts over.

  Rule: The service recovers from a lost script cache by itself

    @own_server
    Scenario: After SCRIPT FLUSH the next reservation reloads its script once and succeeds
      Given SKU "A" has 5 units in stock
      When the script cache is flushed
      And order "o1" reserves 2 x "A" for 60000 ms
      Then the stock service answers "held"
      And the stock service reloaded its scripts 1 time

    Scenario: After a server restart the data is back from the RDB file but the scripts must be reloaded
      Given the stock service runs on a separate server
      And SKU "A" has 5 units in stock
      When that server restarts after saving its data
      And order "o1" reserves 2 x "A" for 60000 ms
      Then the stock service answers "held"
      And the stock service reloaded its scripts 1 time
      And SKU "A" has 3 available, 2 reserved and 0 sold

  Rule: The Function library is the same logic, kept with the data

    @since_7_0 @own_server
    Scenario: The Function library reserves and confirms like the scripts
      Given the stock service runs as a Function library
      And SKU "A" has 5 units in stock
      And order "o1" has reserved 2 x "A" for 60000 ms
      When order "o1" is confirmed
      Then the stock service answers "confirmed"
      And SKU "A" has 3 available, 0 reserved and 2 sold
      And FUNCTION LIST names the library "reservations_v1" with the function "reserve"

    @since_7_0 @own_server
    Scenario: The Function library survives SCRIPT FLUSH without a reload
      Given the stock service runs as a Function library
      And SKU "A" has 5 units in stock
      When the script cache is flushed
      And order "o1" reserves 2 x "A" for 60000 ms
      Then the stock service answers "held"
      And the stock service reloaded its scripts 0 times

    @since_7_0
    Scenario: The Function library comes back with the RDB file after a restart, without a reload
      Given the stock service runs as a Function library on a separate server
      And SKU "A" has 5 units in stock
      When that server restarts after saving its data
      And order "o1" reserves 2 x "A" for 60000 ms
      Then the stock service answers "held"
      And the stock service reloaded its scripts 0 times

  Rule: In a cluster one partition is one slot

    @cluster_only
    Scenario: A multi-SKU order is reserved by one script in a cluster
      Given the stock service runs on the cluster
      And SKU "A" has 5 units in stock
      And SKU "B" has 2 units in stock
      When order "o1" reserves 2 x "A", 2 x "B" for 60000 ms
      Then the stock service answers "held"
      And SKU "B" has 0 available, 2 reserved and 0 sold
      And every key of the partition hashes to one slot

    @cluster_only
    Scenario: The sweeper works in a cluster because the expiry index shares the partition's slot
      Given the stock service runs on the cluster
      And SKU "A" has 5 units in stock
      And order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      When the sweeper runs
      Then the sweeper expired 1 hold
      And SKU "A" has 5 available, 0 reserved and 0 sold

    @cluster_only @since_7_0
    Scenario: The Function library serves a multi-SKU order in a cluster, its keys declared in one slot
      Given the stock service runs on the cluster as a Function library
      And SKU "A" has 5 units in stock
      And SKU "B" has 2 units in stock
      And order "o1" has reserved 1 x "A", 2 x "B" for 60000 ms
      When order "o1" is confirmed
      Then the stock service answers "confirmed"
      And SKU "B" has 0 available, 0 reserved and 2 sold

  Rule: The script never retries; the optimistic version does

    # The optimistic version takes a standalone client: redis-py's cluster pipeline has no WATCH.
    @standalone_only
    Scenario: An optimistic reserve whose stock changes between WATCH and EXEC aborts and retries
      Given SKU "A" has 5 units in stock
      When order "o1" reserves 2 x "A" with WATCH while another client changes the stock once
      Then the WATCH reserve took 2 attempts of which 1 aborted
      And SKU "A" has 3 available, 2 reserved and 0 sold

    Scenario: Eight clients racing for one hot SKU through the script never oversell it
      Given SKU "HOT" has 40 units in stock
      When 8 clients each reserve 1 x "HOT" for 10 orders with the script
      Then 40 orders were held and 40 refused
      And the script path loaded each script once and never retried
      And SKU "HOT" has 0 available, 40 reserved and 0 sold

    # The optimistic version takes a standalone client: redis-py's cluster pipeline has no WATCH.
    @standalone_only
    Scenario: Eight clients racing for one hot SKU with WATCH abort and retry, and still never oversell it
      Given SKU "HOT" has 40 units in stock
      When 8 clients each reserve 1 x "HOT" for 10 orders with WATCH
      Then 40 orders were held and 40 refused
      And the WATCH path aborted and retried at least once
      And SKU "HOT" has 0 available, 40 reserved and 0 sold
