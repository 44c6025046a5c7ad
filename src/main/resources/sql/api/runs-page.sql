-- Newest runs of all projects. $1 statuses (null: any), $2 branch, $3 start_time from (inclusive), $4 to
-- (exclusive), $5 id before which the page starts (null: first page), $6 page size, $7 project, $8 branch prefix,
-- $9 a LIKE pattern (escaped, lower case) searched in search_text, $10 a run id the search may name.
-- A null parameter filters nothing. The prefix is a byte range (runs_branch_pattern_idx); U+10FFFF ends it.
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
  AND ($7::bigint IS NULL OR r.project_id = $7)
  AND ($8::text IS NULL OR (r.branch ~>=~ $8 AND r.branch ~<~ ($8 || chr(1114111))))
  AND ($9::text IS NULL OR r.search_text LIKE $9 OR r.id = $10)
ORDER BY r.id DESC
LIMIT $6
