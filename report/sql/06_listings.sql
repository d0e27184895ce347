-- One row: a drug listing as seen in one crawl of the period, with a vendor name; its canonical category, its
-- ships-from ('?' when undeclared), its ships-to (kept for focus-country rows only), and whether its vendor (on
-- that market) and the listing itself ship from the focus country.
WITH l AS (
    SELECT r.market, r.crawled_at, r.listing_id, r.vendor_key, m.category, r.price, r.currency,
           coalesce(r.ships_from, '?') AS ships_from, r.ships_to
    FROM scraped r JOIN category_map m ON r.category = m.raw
    WHERE m.drug AND r.crawled_at BETWEEN :start AND :end AND r.vendor_key IS NOT NULL AND r.vendor_key <> ''
)
SELECT l.market, l.crawled_at, l.listing_id, l.vendor_key, l.category, l.price, l.currency, l.ships_from,
       CASE WHEN l.ships_from = :focus THEN coalesce(l.ships_to, '') END AS ships_to,
       fvm.vendor_key IS NOT NULL AS focus_vendor, fl.listing_id IS NOT NULL AS focus_listing
FROM l
LEFT JOIN focus_vendor_market fvm ON l.market = fvm.market AND l.vendor_key = fvm.vendor_key
LEFT JOIN focus_listings fl ON l.market = fl.market AND l.listing_id = fl.listing_id
