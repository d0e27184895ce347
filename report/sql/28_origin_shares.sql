-- One row: a declared ships-from (a country, a region such as EU or WW, or '?' undeclared) with the number of
-- distinct vendors that declare it; a vendor with several origins counts under each.
SELECT ships_from AS origin, count(DISTINCT vendor_key) AS vendors
FROM listings GROUP BY ships_from ORDER BY vendors DESC, origin
