-- One row: a row of the listings export as crawled (every row, inside the period or not), read from the input
-- files once: the vendor case-folded into vendor_key, ships_from in capitals, the currency trimmed and in capitals.
-- Every later table reads this one, never the files again.
SELECT market, crawled_at, listing_id, lower(vendor) AS vendor_key, category, price,
       nullif(upper(CASE WHEN regexp_matches(currency, :trimmable) THEN trim(currency, :spaces) ELSE currency END), '')
           AS currency,
       upper(ships_from) AS ships_from, ships_to, sold
FROM listings_in
