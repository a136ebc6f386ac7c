Feature: ACL users and Pub/Sub channels: since 7.0 a new user may use no channel
  An ACL user is allowed keys, commands and, separately, Pub/Sub channels. Which channels a new
  user gets is the setting acl-pubsub-default: "allchannels" up to 6.2, "resetchannels" (none)
  since 7.0 (redis/redis#10181, listed under "Potentially Breaking Changes" in the 7.0 release
  notes). So a user created with every command and every key still cannot PUBLISH or SUBSCRIBE
  on 7.0 until it is granted channels (&pattern or allchannels). Each scenario starts its user
  with "reset", which also applies acl-pubsub-default.

  Rule: A new user gets the channels of acl-pubsub-default

    @before_7_0 @own_server
    Scenario: Before 7.0 a new user with every command may publish to any channel
      Given the client has sent "ACL SETUSER newcomer reset on nopass +@all ~*"
      And client "B" has sent "AUTH newcomer anything"
      When client "B" sends "PUBLISH news hello"
      Then the reply is 0

    @since_7_0 @before_7_2 @own_server
    Scenario: Since 7.0 a new user with every command and key still may not publish to a channel
      Given the client has sent "ACL SETUSER newcomer reset on nopass +@all ~*"
      And client "B" has sent "AUTH newcomer anything"
      When client "B" sends "PUBLISH news hello"
      Then the reply is an error saying "NOPERM this user has no permissions to access one of the channels used as arguments"

    @since_7_2 @own_server
    Scenario: Since 7.2 the refusal of a channel a new user was not granted names no channel
      Given the client has sent "ACL SETUSER newcomer reset on nopass +@all ~*"
      And client "B" has sent "AUTH newcomer anything"
      When client "B" sends "PUBLISH news hello"
      Then the reply is an error saying "NOPERM No permissions to access a channel"

    @since_7_0 @own_server
    Scenario: Since 7.0 a new user may publish once it is granted a channel pattern
      Given the client has sent "ACL SETUSER newcomer reset on nopass +@all ~* &news"
      And client "B" has sent "AUTH newcomer anything"
      When client "B" sends "PUBLISH news hello"
      Then the reply is 0

    @since_7_0 @own_server
    Scenario: Since 7.0 acl-pubsub-default is resetchannels
      When the client sends "CONFIG GET acl-pubsub-default"
      Then the reply is ["acl-pubsub-default", "resetchannels"]
