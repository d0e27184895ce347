-- One row: a drug listing row of the period whose vendor ships from the focus country (few rows).
SELECT r.market, r.vendor_key, r.listing_id
FROM scraped r JOIN category_map m ON r.category = m.raw
WHERE r.ships_from = :focus AND m.drug AND r.crawled_at BETWEEN :start AND :end
  AND r.vendor_key IS NOT NULL AND r.vendor_key <> ''
