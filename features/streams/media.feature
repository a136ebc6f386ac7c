@component @since_7_0
Feature: The media pipeline: at-least-once jobs, applied once, with reclaim and dead letters
  The media pipeline (`redisbehaviors.media`) runs jobs such as transcode, thumbnail or tag on a
  stream read by one consumer group. A job is delivered at least once: if its worker dies, the
  job stays pending and another worker reclaims it (XAUTOCLAIM) once its lease has run out. Its
  effect is applied once: the result, an outcome marker and the XACK are written by one script,
  so a second delivery only acknowledges. A job that keeps failing is moved to a dead-letter
  stream with the reason, its delivery count and its original id, and can be replayed. A
  monitor tells a stuck consumer (jobs pending, nothing read or claimed for a while) from an
  idle one, and a dead consumer is retired without losing its jobs. How long a consumer has
  done nothing is read from XINFO CONSUMERS, whose fields changed in 7.2 (redis/redis#11099):
  before, `idle` counts from its last successful read or claim; from 7.2 `idle` counts from its
  last attempt, even one that got nothing, and `inactive` from its last successful one.

  Rule: A job is delivered at least once, even when its worker crashes

    Scenario: Jobs held by a crashed worker are reclaimed by another worker once the lease has run out
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted 3 "transcode" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 3 jobs in hand
      And the jobs in hand of "w2" were delivered 2 times each

    Scenario: Nothing is reclaimed from a worker whose lease has not run out
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the producer has submitted 3 "transcode" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 0 jobs in hand

    Scenario: Every job of a crashed worker is applied exactly once after the reclaim
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted 3 "transcode" jobs
      And worker "w1" takes a batch of up to 10 jobs
      And worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      When worker "w2" finishes its batch
      Then every submitted job has had its effect applied exactly once
      And the media stream has 3 jobs and 0 pending

    Scenario: A restarted worker first finishes the jobs it still had pending
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the producer has submitted 3 "transcode" jobs
      And worker "w1" takes a batch of up to 10 jobs
      And worker "w1" crashes
      When worker "w1" restarts and drains its own pending jobs
      Then every submitted job has had its effect applied exactly once
      And the media stream has 3 jobs and 0 pending

    Scenario: The reclaim follows the XAUTOCLAIM cursor until the scan wraps
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted 25 "thumbnail" jobs
      And worker "w1" takes a batch of up to 25 jobs
      And worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      When worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 25 jobs in hand
      And the reclaim took 3 XAUTOCLAIM calls

  Rule: A job's effect is applied once, however often it is delivered

    Scenario: A job finished both by a slow worker and by the worker that reclaimed it is applied once
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted the "transcode" job "clip-1"
      And worker "w1" takes a batch of up to 1 jobs
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      And worker "w2" finishes its batch
      When worker "w1" finishes its batch
      Then the apply statuses are ["duplicate"]
      And job "clip-1" has had its effect applied once
      And the media stream has 1 jobs and 0 pending

    Scenario: Submitting a job twice with the same job id enqueues it once
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      When the producer submits the "transcode" job "clip-1"
      And the producer submits the "transcode" job "clip-1"
      Then the submits were reported as ["new", "duplicate"]
      And the media stream has 1 jobs and 0 pending

    Scenario: A job of an invalid kind is refused before anything is written
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      When the producer tries to submit a job of kind "two words"
      Then the media pipeline refused it with an error naming "'two words'"

  Rule: A failing job is retried, then dead-lettered with its reason, deliveries and original id

    Scenario: A job whose handler always fails is dead-lettered after exactly the allowed deliveries
      Given a media pipeline with a lease of 100 ms and at most 3 deliveries
      And the producer has submitted the poison "thumbnail" job "bad-1"
      When workers "w1" and "w2" run until job "bad-1" is dead-lettered
      Then the handler ran 3 times for job "bad-1"
      And the dead letter of job "bad-1" gives the reason "JobFailed: cannot thumbnail", 3 deliveries and the original entry id
      And the media stream has 1 jobs and 0 pending

    Scenario: A job whose workers keep crashing is dead-lettered when it is claimed past the allowed deliveries
      Given a media pipeline with a lease of 200 ms and at most 2 deliveries
      And the producer has submitted the "transcode" job "crashy"
      And worker "w1" takes a batch of up to 1 jobs
      And worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      And worker "w2" crashes
      And the lease of the jobs held by "w2" has run out
      When worker "w3" reclaims idle jobs 10 at a time
      Then worker "w3" holds 0 jobs in hand
      And the dead letter of job "crashy" gives the reason "delivered 3 times without being acknowledged", 3 deliveries and the original entry id

    Scenario: A replayed dead letter is submitted again and can then be applied
      Given a media pipeline with a lease of 200 ms and at most 1 deliveries
      And the producer has submitted the "transcode" job "crashy"
      And worker "w1" takes a batch of up to 1 jobs
      And worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      When the dead letter of job "crashy" is replayed
      And worker "w3" takes a batch of up to 1 jobs
      And worker "w3" finishes its batch
      Then job "crashy" has had its effect applied once
      And the dead-letter stream is empty

    Scenario: A pending job deleted from the stream is recorded as a dead letter by the reclaim
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted the "transcode" job "gone-1"
      And worker "w1" takes a batch of up to 1 jobs
      And worker "w1" crashes
      And the entry of job "gone-1" is deleted from the media stream
      And the lease of the jobs held by "w1" has run out
      When worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 0 jobs in hand
      And the dead-letter stream records the entry of job "gone-1" as "deleted from the stream before it was acknowledged"
      And the media stream has 0 jobs and 0 pending

  Rule: A long job extends its lease; a stopping worker releases what it has not started

    Scenario: Extending a lease resets the idle time without counting a delivery, so no reclaim takes the job
      Given a media pipeline with a lease of 1000 ms and at most 5 deliveries
      And the producer has submitted the "transcode" job "long-1"
      And worker "w1" takes a batch of up to 1 jobs
      And the lease of the jobs held by "w1" has run out
      When worker "w1" extends the lease of its batch
      And worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 0 jobs in hand
      And job "long-1" was delivered 1 time and has been idle less than 1000 ms

    Scenario: A worker cannot extend the lease of a job another worker has reclaimed
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the producer has submitted the "transcode" job "long-1"
      And worker "w1" takes a batch of up to 1 jobs
      And the lease of the jobs held by "w1" has run out
      And worker "w2" reclaims idle jobs 10 at a time
      When worker "w1" extends the lease of its batch
      Then worker "w1" kept the lease of 0 jobs

    Scenario: A gracefully stopped worker finishes the job in hand and releases the rest of its batch
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the producer has submitted 4 "tag" jobs
      And worker "w1" takes a batch of up to 4 jobs
      When worker "w1" is stopped gracefully after handling 1 job of its batch
      And worker "w2" reclaims idle jobs 10 at a time
      Then worker "w2" holds 3 jobs in hand
      And the jobs in hand of "w2" were delivered 1 times each

  Rule: Acknowledged jobs can be deleted: with XACKDEL on 8.2, with XACK and XDEL before

    @since_8_2
    Scenario: On Redis 8.2 a pipeline that deletes acknowledged jobs uses XACKDEL
      Given a media pipeline that deletes jobs once acknowledged
      And the producer has submitted 3 "tag" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w1" finishes its batch
      Then the media pipeline acknowledges with "xackdel"
      And the media stream has 0 jobs and 0 pending

    Scenario: Without XACKDEL the pipeline deletes acknowledged jobs with XACK and XDEL in one script
      Given a media pipeline that deletes jobs once acknowledged without XACKDEL
      And the producer has submitted 3 "tag" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w1" finishes its batch
      Then the media pipeline acknowledges with "xack+xdel"
      And the media stream has 0 jobs and 0 pending

  Rule: Trimming bounds the stream; only ACKED (8.2) guarantees it never drops an unfinished job

    @since_8_2
    Scenario: On Redis 8.2 trimming with ACKED keeps every job no worker has acknowledged
      Given a media pipeline trimmed to about 10 jobs
      When the producer submits 150 "tag" jobs
      Then the media stream has 150 jobs and 0 pending

    Scenario: Without ACKED, approximate trimming drops jobs nobody has processed yet
      # "~" drops whole nodes (at most 100 entries or 4096 bytes each), oldest first, whether or
      # not a worker has read them: those jobs are gone without a trace.
      Given a media pipeline trimmed to about 10 jobs without ACKED
      When the producer submits 150 "tag" jobs
      Then the media stream has from 10 to 149 jobs, none of them pending

  Rule: The monitor reports lag and pending work, and tells a stuck consumer from an idle one

    Scenario: The monitor reports the lag, the pending count and the oldest pending job
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the producer has submitted 5 "tag" jobs
      When worker "w1" takes a batch of up to 2 jobs
      Then the monitor reports a lag of 3, 2 pending and the oldest pending job

    Scenario: A lag above the threshold makes the pipeline backlogged
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the monitor allows a lag of 2 and calls a consumer stuck after 60000 ms
      When the producer submits 5 "tag" jobs
      Then the monitor calls the pipeline "backlogged" because "lag 5 is above 2"

    Scenario: A consumer holding pending jobs that has read or claimed nothing past the threshold is stuck
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the monitor allows a lag of 100 and calls a consumer stuck after 200 ms
      And the producer has submitted 2 "tag" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w1" crashes
      And the lease of the jobs held by "w1" has run out
      Then the monitor calls consumer "w1" "stuck"
      And the monitor calls the pipeline "stuck"

    Scenario: A consumer with nothing pending that has read nothing past the threshold is idle, and the pipeline ok
      Given a media pipeline with a lease of 200 ms and at most 5 deliveries
      And the monitor allows a lag of 100 and calls a consumer stuck after 200 ms
      And the producer has submitted 2 "tag" jobs
      And worker "w1" takes a batch of up to 10 jobs
      When worker "w1" finishes its batch
      Then within 10 seconds the monitor calls consumer "w1" "idle"
      And the monitor calls the pipeline "ok"

    Scenario: When a deleted entry makes Redis report the lag as unknown, the monitor counts it
      # Redis cannot compute the lag when a deleted entry lies at or after the group's last-delivered
      # id (streamRangeHasTombstones in redis/redis src/t_stream.c): here job 3, the last delivered,
      # is deleted while jobs 1 and 2 are still pending.
      Given a media pipeline that deletes jobs once acknowledged without XACKDEL
      And the producer has submitted 5 "tag" jobs
      And worker "w1" takes a batch of up to 2 jobs
      And worker "w2" takes a batch of up to 1 jobs
      When worker "w2" finishes its batch
      Then Redis reports the lag of the media group as unknown and the monitor counts 2

  Rule: Retiring a dead consumer hands its pending jobs to a live one before deleting it

    Scenario: A retired consumer's pending jobs move to its heir with their delivery counts unchanged
      Given a media pipeline with a lease of 60000 ms and at most 5 deliveries
      And the producer has submitted 5 "tag" jobs
      And worker "w1" takes a batch of up to 5 jobs
      And worker "w1" crashes
      When consumer "w1" is retired in favour of "w2"
      Then the pending media jobs belong to ["w2", "w2", "w2", "w2", "w2"] with delivery counts [1, 1, 1, 1, 1]
      And consumer "w1" is no longer in the media group
