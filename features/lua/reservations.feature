@component @since_7_0
Feature: Checkout stock reservation: all lines or none, and stock that comes back exactly once
  The reservation service holds stock for an order while the customer pays. One Lua script
  checks every line of the order first and then reserves all of them, or none; a refusal says
  which lines were short and what was there. A hold lives until its deadline (server time).
  Its stock goes to "sold" when the order is confirmed, and back to "available" when it is
  cancelled or expires -- once, whoever notices first: the sweeper, a later reservation, or a
  reader of that order. Keyspace notifications play no part: they are lost when nobody listens.

  Background:
    Given SKU "A" has 5 units in stock
    And SKU "B" has 2 units in stock

  Rule: An order reserves every line or none

    Scenario: An order whose lines are all in stock holds every line
      When order "o1" reserves 2 x "A", 1 x "B" for 60000 ms
      Then the stock service answers "held"
      And SKU "A" has 3 available, 2 reserved and 0 sold
      And SKU "B" has 1 available, 1 reserved and 0 sold

    Scenario: A refusal names every short line with what was available
      When order "o1" reserves 9 x "A", 3 x "B" for 60000 ms
      Then the refusal lists "A" wanted 9 with 5 available, "B" wanted 3 with 2 available

    Scenario: One short line keeps the other lines of the order available
      When order "o1" reserves 1 x "A", 3 x "B" for 60000 ms
      Then the refusal lists "B" wanted 3 with 2 available
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: Reserving the same order again holds its stock only once
      Given order "o1" has reserved 2 x "A" for 60000 ms
      When order "o1" reserves 2 x "A" for 60000 ms
      Then the stock service answers "already_held"
      And SKU "A" has 3 available, 2 reserved and 0 sold

    Scenario: An order id already holding other lines is refused as a conflict
      Given order "o1" has reserved 2 x "A" for 60000 ms
      When order "o1" reserves 1 x "B" for 60000 ms
      Then the stock service refuses with OrderConflict saying "order 'o1' holds other lines"
      And SKU "B" has 2 available, 0 reserved and 0 sold

    Scenario: The last unit goes to exactly one of two orders
      Given SKU "LAST" has 1 units in stock
      And order "o1" has reserved 1 x "LAST" for 60000 ms
      When order "o2" reserves 1 x "LAST" for 60000 ms
      Then the refusal lists "LAST" wanted 1 with 0 available

  Rule: Confirm sells, cancel gives back, and both can be repeated safely

    Scenario: Confirming a held order moves its stock from reserved to sold
      Given order "o1" has reserved 2 x "A", 1 x "B" for 60000 ms
      When order "o1" is confirmed
      Then the stock service answers "confirmed"
      And SKU "A" has 3 available, 0 reserved and 2 sold

    Scenario: Confirming an order twice sells it once
      Given order "o1" has reserved 2 x "A" for 60000 ms
      And order "o1" has been confirmed
      When order "o1" is confirmed
      Then the stock service answers "already_confirmed"
      And SKU "A" has 3 available, 0 reserved and 2 sold

    Scenario: Cancelling an order twice gives its stock back once
      Given order "o1" has reserved 2 x "A" for 60000 ms
      And order "o1" has been cancelled
      When order "o1" is cancelled
      Then the stock service answers "already_cancelled"
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: A cancelled order cannot be confirmed afterwards
      Given order "o1" has reserved 2 x "A" for 60000 ms
      And order "o1" has been cancelled
      When order "o1" is confirmed
      Then the stock service answers "cancelled"
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: Confirming an unknown order is an error
      When order "nobody" is confirmed
      Then the stock service refuses with UnknownOrder saying "no reservation for order 'nobody'"

  Rule: An expired hold gives its stock back exactly once

    Scenario: Confirming an expired reservation answers "expired" and sells nothing
      Given order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      When order "o1" is confirmed
      Then the stock service answers "expired"
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: The sweeper returns an expired hold's stock, and a second sweep finds nothing
      Given order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      And the sweeper has run
      When the sweeper runs
      Then the sweeper expired 0 holds
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: Reading an expired hold reclaims its stock without the sweeper
      Given order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      When order "o1" is read
      Then the stock service answers "expired"
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: A new order reclaims expired holds before it checks the stock
      Given order "o1" has reserved 5 x "A" for 50 ms
      And the deadline of order "o1" has passed
      When order "o2" reserves 4 x "A" for 60000 ms
      Then the stock service answers "held"
      And SKU "A" has 1 available, 4 reserved and 0 sold

    Scenario: A hold confirmed before its deadline is left alone by a later sweep
      Given order "o1" has reserved 2 x "A" for 1000 ms
      And order "o1" has been confirmed
      And the deadline of order "o1" has passed
      When the sweeper runs
      Then the sweeper expired 0 holds
      And SKU "A" has 3 available, 0 reserved and 2 sold

    Scenario: Cancelling after the deadline answers "expired" and returns the stock only once
      Given order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      And the sweeper has run
      When order "o1" is cancelled
      Then the stock service answers "expired"
      And SKU "A" has 5 available, 0 reserved and 0 sold

    Scenario: Extending a live hold keeps it past its first deadline
      Given order "o1" has reserved 2 x "A" for 500 ms
      And order "o1" is extended by 60000 ms
      And the deadline of order "o1" has passed
      When order "o1" is confirmed
      Then the stock service answers "confirmed"
      And SKU "A" has 3 available, 0 reserved and 2 sold

    Scenario: An expired hold cannot be extended back to life
      Given order "o1" has reserved 2 x "A" for 50 ms
      And the deadline of order "o1" has passed
      When order "o1" is extended by 60000 ms
      Then the stock service answers "expired"

  Rule: Restocking is idempotent per restock id

    Scenario: A restock applied twice under one restock id adds the units once
      Given SKU "A" is restocked with 10 units under restock id "delivery-7"
      When SKU "A" is restocked with 10 units under restock id "delivery-7"
      Then the restock was not applied again
      And SKU "A" has 15 available, 0 reserved and 0 sold

    Scenario: A restock id reused for another quantity is refused
      Given SKU "A" is restocked with 10 units under restock id "delivery-7"
      When SKU "A" is restocked with 3 units under restock id "delivery-7"
      Then the stock service refuses with RestockConflict saying "already used for 'A 10'"

  Rule: Bad input is refused before anything is written

    Scenario Outline: A malformed order is refused with a clear error and nothing is written
      When an order is reserved with order id "o1" and items <items>
      Then the stock service refuses with <error> saying "<message>"
      And nothing was written to the partition

      Examples:
        | items                    | error        | message                                      |
        | {"A": 0}                 | InvalidInput | quantity of 'A' must be at least 1 and at most 1000000, got 0 |
        | {"A": -2}                | InvalidInput | quantity of 'A' must be at least 1 and at most 1000000, got -2 |
        | {"A": 1.5}               | InvalidInput | quantity of 'A' must be an integer           |
        | {"A": "2"}               | InvalidInput | quantity of 'A' must be an integer           |
        | {}                       | InvalidInput | an order needs at least one line             |
        | [("A", 1), ("A", 2)]     | InvalidInput | SKU 'A' appears twice in one order           |
        | {"A": 1, "NOPE": 1}      | UnknownSku   | unknown SKU(s), never stocked: NOPE          |
        | {"{A}": 1}               | InvalidInput | no braces, colons or whitespace              |

    Scenario: An over-long order id is refused and nothing is written
      When an order with an id of 65 characters reserves 1 x "A"
      Then the stock service refuses with InvalidInput saying "order id is 65 characters long, the limit is 64"
      And nothing was written to the partition

  Rule: Every state change is in the audit stream

    Scenario: The audit stream records a hold and its confirmation in order
      Given order "o1" has reserved 2 x "A" for 60000 ms
      When order "o1" is confirmed
      Then the audit log lists "stock-set, stock-set, held, confirmed"
