-- One row: a market and a drug category: its listings (all, from the focus country, and declaring a ships-from in
-- some crawl). A listing recategorised between crawls counts under its most frequent category (ties by name).
WITH per_category AS (
    SELECT market, listing_id, category, bool_or(focus_listing) AS focus, count(*) AS crawls,
           max(CASE WHEN ships_from <> '?' THEN 1 ELSE 0 END) AS declared
    FROM listings GROUP BY market, listing_id, category
), per_listing AS (
    SELECT *, max(declared) OVER (PARTITION BY market, listing_id) AS declared_any FROM per_category
    QUALIFY row_number() OVER (PARTITION BY market, listing_id ORDER BY crawls DESC, category) = 1
)
SELECT market, category, count(*) AS listings_all, count(*) FILTER (WHERE focus) AS listings_focus,
       count(*) FILTER (WHERE declared_any = 1) AS listings_declared
FROM per_listing GROUP BY market, category ORDER BY market, category
