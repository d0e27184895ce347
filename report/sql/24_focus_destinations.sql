-- One row: a focus-country vendor and a destination its listings declare (trimmed, in capitals; `!XX`: excluded).
SELECT DISTINCT vendor_key, upper(CASE WHEN regexp_matches(dest, :trimmable) THEN trim(dest, :spaces) ELSE dest END) AS dest
FROM (SELECT vendor_key, unnest(string_split(ships_to, ',')) AS dest FROM listings
      WHERE ships_from = :focus)
WHERE CASE WHEN regexp_matches(dest, :trimmable) THEN trim(dest, :spaces) ELSE dest END <> ''
