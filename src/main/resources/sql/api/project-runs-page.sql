-- Newest runs of one project ($1); $2..$7 as $1..$6 in runs-page.sql, $8..$10 as there.
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.start_time, r.end_time, r.duration_ms,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       r.shard_total, CASE WHEN r.shard_total IS NOT NULL THEN run_shards_json(r.id) END AS shards,
       r.metadata, r.branch, r.pinned
FROM runs r
JOIN projects p ON p.id = r.project_id
WHERE r.project_id = $1
  AND ($2::text[] IS NULL OR r.status = ANY($2::text[]))
  AND ($3::text IS NULL OR r.branch = $3)
  AND ($4::timestamptz IS NULL OR r.start_time >= $4)
  AND ($5::timestamptz IS NULL OR r.start_time < $5)
  AND ($6::bigint IS NULL OR r.id < $6)
  AND ($8::text IS NULL OR (r.branch ~>=~ $8 AND r.branch ~<~ ($8 || chr(1114111))))
  AND ($9::text IS NULL OR r.search_text LIKE $9 OR r.id = $10)
ORDER BY r.id DESC
LIMIT $7
