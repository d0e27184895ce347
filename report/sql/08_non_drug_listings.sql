-- One row: a market and a listing of it in a non-drug category (in any crawl): sales of it are no drug sales.
SELECT DISTINCT r.market, r.listing_id FROM scraped r JOIN category_map m ON r.category = m.raw WHERE NOT m.drug
