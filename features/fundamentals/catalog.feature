@component
Feature: The catalog: products, counters, likes, recently viewed and discovery
  The catalog component (redisbehaviors.catalog.Catalog) is what a small web shop needs from
  Redis fundamentals. Products are hashes written field by field; views, likes and stock are
  atomic counters; likes keep three structures in step (the product's counter, the set of
  users who liked it, the user's favorites) so they can never disagree; each user has a capped,
  most-recent-first list of viewed products that expires when idle; sorted sets answer "what is
  trending" and "what costs between 10 and 50". A listing page reads N product cards in one
  round trip. All keys of one catalog share a hash tag, so a like stays in one cluster slot.
  Bad input is refused with a clear error before anything is written.

  Background:
    Given a catalog with these products:
      | product | name  | price |
      | lamp    | Lamp  | 20    |
      | desk    | Desk  | 120   |
      | chair   | Chair | 45.5  |

  Rule: Products are hashes, read whole or field by field

    Scenario: Updating one field of a product keeps its other fields
      When the catalog updates "lamp" with colour "red"
      Then product "lamp" reads name "Lamp", price "20" and colour "red"

    Scenario: Reading a field a product lacks gives nothing for that field
      When the catalog reads the fields "price, stock" of "desk"
      Then the fields read are price "120" and stock missing

    Scenario: Updating a product that does not exist is refused and creates nothing
      When the catalog updates "sofa" with colour "red"
      Then the catalog refuses with "unknown product 'sofa'"
      And product "sofa" does not exist

  Rule: Likes are idempotent and keep the counter, the likers and the favorites in step

    Scenario: Liking a product twice counts once
      Given "ana" likes "lamp"
      When "ana" likes "lamp"
      Then the like changed nothing
      And "lamp" has 1 like from "ana"
      And the favorites of "ana" are "lamp"

    Scenario: Unliking a product that was never liked changes nothing
      When "ana" unlikes "lamp"
      Then the like changed nothing
      And "lamp" has 0 likes

    Scenario: Unliking removes the like from all three structures
      Given "ana" likes "lamp"
      And "bob" likes "lamp"
      When "ana" unlikes "lamp"
      Then "lamp" has 1 like from "bob"
      And the favorites of "ana" are ""

    Scenario: Liking an unknown product is refused and nothing is written
      When "ana" likes "sofa"
      Then the catalog refuses with "unknown product 'sofa'"
      And the favorites of "ana" are ""
      And product "sofa" does not exist

    Scenario: Favorite flags for many products come back in the order asked
      Given "ana" likes "desk"
      When the catalog checks the favorites of "ana" for "lamp, desk, chair"
      Then the favorite flags are "no, yes, no"

  Rule: Each view counts, ranks the product and updates the viewer's recently-viewed list

    Scenario: A view increments the product's view counter and its trending score
      Given "lamp" has been viewed 2 times
      When "ana" views "lamp"
      Then the view count is 3
      And trending reads "lamp" with 3 views first

    Scenario: Recently viewed is most recent first and holds each product once
      Given "ana" has viewed "lamp, desk, lamp, chair"
      Then "ana" recently viewed "chair, lamp, desk"

    Scenario: Recently viewed keeps only the newest products up to its cap
      Given the recently-viewed cap is 2
      And "ana" has viewed "lamp, desk, chair"
      Then "ana" recently viewed "chair, desk"

    Scenario: An idle recently-viewed list expires, and each view re-arms its expiry
      Given recently-viewed lists expire after 300 ms idle
      When "ana" views "lamp"
      Then the recently-viewed list of "ana" has a TTL of at most 300 ms
      And within 3 seconds the recently-viewed list of "ana" is gone

    Scenario: Viewing an unknown product is refused and nothing is counted
      When "ana" views "sofa"
      Then the catalog refuses with "unknown product 'sofa'"
      And "ana" recently viewed ""
      And trending is empty

  Rule: Discovery reads rankings and price ranges from sorted sets

    Scenario: Among equally viewed products, trending lists the id that sorts last first
      Given "lamp" has been viewed 1 time
      And "desk" has been viewed 1 time
      And "chair" has been viewed 2 times
      Then trending reads "chair, lamp, desk"

    Scenario: A price range is cheapest first, inclusive, and paged
      When the catalog lists products priced from 20 to 120, skipping 1, at most 5
      Then the products listed are "chair, desk"

    Scenario: Changing a price moves the product in the price index in the same transaction
      When the catalog updates "desk" with price "10"
      Then the catalog lists "desk" first among products priced from 0 to 1000

  Rule: A listing page reads its product cards in one round trip

    Scenario: Product cards carry counters and the viewer's favorite flags, and unknown ids read as empty
      Given "ana" likes "desk"
      And "desk" has been viewed 4 times
      When the catalog reads the cards of "desk, sofa, lamp" for "ana"
      Then the cards read:
        | product | name | price | views | likes | favorite |
        | desk    | Desk | 120.0 | 4     | 1     | yes      |
        | sofa    |      |       |       |       |          |
        | lamp    | Lamp | 20.0  | 0     | 0     | no       |

  Rule: Bad input is refused before anything is written

    Scenario Outline: A product id that would change the key schema is refused
      When the catalog creates a product with id "<id>"
      Then the catalog refuses with "<message>"
      And the catalog wrote nothing

      Examples:
        | id         | message                     |
        | {lamp}     | may only contain letters    |
        | lamp shade | may only contain letters    |
        | a:b        | may only contain letters    |
        |            | must not be empty           |

    Scenario: A product id longer than 128 characters is refused
      When the catalog creates a product with an id of 129 characters
      Then the catalog refuses with "the limit is 128"
      And the catalog wrote nothing

    Scenario: A negative initial stock is refused
      When the catalog creates product "rug" with stock -1
      Then the catalog refuses with "stock must be at least 0, got -1"
      And the catalog wrote nothing

    Scenario: A fractional stock change is refused
      When the catalog changes the stock of "lamp" by 1.5
      Then the catalog refuses with "stock delta must be an integer"
