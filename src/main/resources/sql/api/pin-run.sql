-- Pins ($2 true) or unpins ($2 false) a run; a pinned run is never purged by retention. No row when there is no
-- such run.
UPDATE runs SET pinned = $2 WHERE id = $1
RETURNING id, pinned
