-- One row: a listing and a day on which it was sold, with the listing's price, currency and category at its last
-- priced crawl on or before that day, else at its first priced crawl (NULL when no crawl priced it). A crawl that
-- shows no price does not hide the last one known. One pass over sale_crawls: a listing's crawls and sale days in one
-- sequence (on one day, the crawl first), each sale day carrying the last crawl before it. No join on a date
-- condition: that join held several hash tables of sale_crawls at once and ran out of memory at 50M rows.
-- A crawl's currency and category are never NULL in the sequence ('' stands for NULL), so that the last non-NULL
-- price, currency and category are those of one crawl.
WITH sale_days AS (  -- the last crawl depends on the listing and the day only: one lookup per listing and day
    SELECT DISTINCT market, listing_id, left_at FROM feedback
), events AS (
    SELECT market, listing_id, crawled_at AS day, 0 AS sale, price, coalesce(currency, '') AS currency,
           coalesce(category, '') AS category
    FROM sale_crawls
    UNION ALL
    SELECT market, listing_id, left_at AS day, 1 AS sale, NULL AS price, NULL AS currency, NULL AS category
    FROM sale_days
), carried AS (
    SELECT market, listing_id, day, sale,
           last_value(price IGNORE NULLS) OVER before AS before_price,
           last_value(currency IGNORE NULLS) OVER before AS before_currency,
           last_value(category IGNORE NULLS) OVER before AS before_category,
           first_value(price IGNORE NULLS) OVER listing AS first_price,
           first_value(currency IGNORE NULLS) OVER listing AS first_currency,
           first_value(category IGNORE NULLS) OVER listing AS first_category
    FROM events
    WINDOW before AS (PARTITION BY market, listing_id ORDER BY day, sale ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           listing AS (PARTITION BY market, listing_id ORDER BY day, sale
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT market, listing_id, day AS left_at, coalesce(before_price, first_price) AS price,
       nullif(CASE WHEN before_price IS NOT NULL THEN before_currency ELSE first_currency END, '') AS currency,
       coalesce(nullif(before_category, ''), nullif(first_category, '')) AS category
FROM carried
WHERE sale = 1
