INSERT INTO artifacts (id, run_id, kind, report_type, label, test_id, retry, name, content_type, size_bytes,
                       storage_path, entry_count, content_sha256)
OVERRIDING SYSTEM VALUE
SELECT a.id, $1, a.kind, a.report_type, a.label, a.test_id, a.retry, a.name, a.content_type, a.size_bytes,
       a.storage_path, a.entry_count, a.content_sha256
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::text[], $9::text[],
            $10::bigint[], $11::text[], $12::int[], $13::bytea[])
  AS a(id, kind, report_type, label, test_id, retry, name, content_type, size_bytes, storage_path, entry_count,
       content_sha256)
