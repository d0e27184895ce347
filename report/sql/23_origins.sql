-- One row: a combination of declared origins (sorted country codes joined by '+', e.g. `BE+NL`) with the number
-- of focus-country vendors that declare exactly that combination over the period.
WITH v AS (
    -- not string_agg(... ORDER BY ...): Spark 4.0 fails on LISTAGG WITHIN GROUP with DISTINCT (ClassCastException)
    SELECT l.vendor_key, array_to_string(list_sort(list(DISTINCT l.ships_from)), '+') AS combination,
           count(DISTINCT l.ships_from) AS n_origins
    FROM listings l JOIN focus_vendors f ON l.vendor_key = f.vendor_key GROUP BY l.vendor_key
)
SELECT combination, n_origins, count(*) AS vendors
FROM v GROUP BY combination, n_origins ORDER BY vendors DESC, combination
