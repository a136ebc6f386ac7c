@needs_replica
Feature: What survives a crash is what the configured persistence wrote before it
  A server without persistence comes back empty. With the append-only file, Redis write(2)s every
  write to the AOF before it replies; appendfsync only decides when the kernel is told to flush it to
  the disk (always: before the reply; everysec: about once a second; no: when the kernel likes). So a
  process crash (kill -9) loses no acknowledged write in any of the three modes; only a machine crash
  or power cut loses the writes not yet fsynced. An RDB snapshot is a point in time: writes made after
  it are lost. TTLs are stored as absolute deadlines, so the clock keeps running while the server is
  down. (https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/)

  Rule: Without persistence a restart starts from nothing

    Scenario: A server without persistence comes back empty after kill -9
      Given a server started without persistence
      And the server has been sent "SET greeting hello"
      When the server is killed and started again
      Then "DBSIZE" on the server replies 0

  Rule: The AOF is written before the reply; appendfsync only decides when it reaches the disk

    Scenario: With appendfsync always an acknowledged write survives kill -9
      Given a server started with "appendonly yes" and "appendfsync always"
      And the server has been sent "SET order:1 paid"
      When the server is killed and started again
      Then "GET order:1" on the server replies "paid"

    Scenario: With appendfsync everysec a write acknowledged just before kill -9 survives it
      # The write is in the kernel's page cache when the reply leaves; only an OS crash within the
      # second would lose it (or a write delayed while a slow disk is still busy with the last fsync).
      Given a server started with "appendonly yes" and "appendfsync everysec"
      And the server has been sent "SET order:1 paid"
      When the server is killed and started again
      Then "GET order:1" on the server replies "paid"

    Scenario: With appendfsync no a write acknowledged just before kill -9 survives it too
      Given a server started with "appendonly yes" and "appendfsync no"
      And the server has been sent "SET order:1 paid"
      When the server is killed and started again
      Then "GET order:1" on the server replies "paid"

    Scenario: With both an AOF and an RDB file, the restart loads the AOF
      Given a server started with "appendonly yes" and "appendfsync always"
      And the server has been sent "SET before 1"
      And the server has been sent "SAVE"
      And the server has been sent "SET after 2"
      When the server is killed and started again
      Then "EXISTS after" on the server replies 1

  Rule: An RDB snapshot is a point in time

    Scenario: A restart from an RDB snapshot has the writes made before it
      Given a server started with "dbfilename dump.rdb"
      And the server has been sent "SET before 1"
      And the server has been sent "SAVE"
      When the server is killed and started again
      Then "GET before" on the server replies "1"

    Scenario: A restart from an RDB snapshot loses the writes made after it
      Given a server started with "dbfilename dump.rdb"
      And the server has been sent "SET before 1"
      And the server has been sent "SAVE"
      And the server has been sent "SET after 2"
      When the server is killed and started again
      Then "EXISTS after" on the server replies 0

  Rule: A TTL is an absolute deadline, and it passes while the server is down

    Scenario: A key whose deadline passed while the server was down is gone after the restart
      Given a server started with "appendonly yes" and "appendfsync always"
      And the server has been sent "SET session:1 alice PX 300"
      When the server is killed
      And 400 milliseconds pass while the server is down
      And the server is started again
      Then "EXISTS session:1" on the server replies 0

    Scenario: A key's remaining time shrinks by the time the server was down
      Given a server started with "dbfilename dump.rdb"
      And the server has been sent "SET session:1 alice PX 60000"
      And the server has been sent "SAVE"
      When the server is killed
      And 500 milliseconds pass while the server is down
      And the server is started again
      Then "PTTL session:1" on the server replies a number from 1 to 59500
