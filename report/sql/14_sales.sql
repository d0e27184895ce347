-- One row: a sale of a drug listing (feedback on a listing no crawl caught stays in, with no price), valued in EUR
-- at the day's exchange rate: what the buyer paid when the feedback says, else the listing's price (sale_prices).
-- eur is NULL when there is no amount, no rate (unrated) or an amount that is no price (absurd: not a number,
-- infinite, or beyond 1e12); focus: the vendor ships from the focus country somewhere.
-- Money is DECIMAL: exact, so sums do not depend on the order threads or Spark tasks add them in.
WITH amounts AS (
    SELECT f.*, p.category,
           CASE WHEN f.paid IS NOT NULL THEN f.paid ELSE p.price END AS amount,
           CASE WHEN f.paid IS NOT NULL THEN f.paid_currency ELSE p.currency END AS amount_currency
    FROM feedback f
    LEFT JOIN sale_prices p ON f.market = p.market AND f.listing_id = p.listing_id AND f.left_at = p.left_at
)
SELECT a.market, a.listing_id, a.vendor_key, a.left_at, a.category,
       CASE WHEN a.amount * r.eur_rate BETWEEN -1e12 AND 1e12 THEN CAST(a.amount * r.eur_rate AS DECIMAL(18, 4)) END AS eur,
       a.amount IS NOT NULL AND r.eur_rate IS NULL AS unrated,
       a.amount IS NOT NULL AND NOT (a.amount BETWEEN -1e12 AND 1e12) AS absurd,
       a.amount_currency AS currency, fv.vendor_key IS NOT NULL AS focus
FROM amounts a
LEFT JOIN rates r ON r.currency = a.amount_currency AND r.day = a.left_at
LEFT JOIN focus_vendors fv ON a.vendor_key = fv.vendor_key
LEFT JOIN non_drug_listings n ON a.market = n.market AND a.listing_id = n.listing_id
WHERE n.listing_id IS NULL
