-- One row: a row of the listings export as crawled (every row, inside the period or not), the vendor case-folded
-- into vendor_key and ships_from in capitals, here once for every later table. Every later table reads this one,
-- never the files again. The currency stays as written: the few rows that need it (sale_crawls) trim it.
SELECT market, crawled_at, listing_id, lower(vendor) AS vendor_key, category, price, currency,
       upper(ships_from) AS ships_from, ships_to, sold
FROM listings_in
