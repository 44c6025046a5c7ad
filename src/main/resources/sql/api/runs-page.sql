-- Newest runs of all projects. $1 statuses (null: any), $2 branch, $3 start_time from (inclusive), $4 to
-- (exclusive), $5 id before which the page starts (null: first page), $6 page size.
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.start_time, r.end_time, r.duration_ms,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       r.shard_total, CASE WHEN r.shard_total IS NOT NULL THEN run_shards_json(r.id) END AS shards,
       r.metadata, r.branch, r.pinned
FROM runs r
JOIN projects p ON p.id = r.project_id
WHERE ($1::text[] IS NULL OR r.status = ANY($1::text[]))
  AND ($2::text IS NULL OR r.branch = $2)
  AND ($3::timestamptz IS NULL OR r.start_time >= $3)
  AND ($4::timestamptz IS NULL OR r.start_time < $4)
  AND ($5::bigint IS NULL OR r.id < $5)
ORDER BY r.id DESC
LIMIT $6
