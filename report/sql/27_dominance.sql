-- One row: a sales-value cell of focus-country vendors (a market, a value bracket, or all: both NULL) with the
-- share of its value that its two largest vendors make (ties by name).
WITH v AS (SELECT market, bracket, vendor_key, eur FROM valid_sales WHERE focus),
by_cell AS (
    SELECT market AS cell_market, NULL::INTEGER AS cell_bracket, vendor_key, sum(eur) AS value FROM v GROUP BY market, vendor_key
    UNION ALL SELECT NULL::VARCHAR, NULL::INTEGER, vendor_key, sum(eur) FROM v GROUP BY vendor_key
    UNION ALL SELECT NULL::VARCHAR, bracket, vendor_key, sum(eur) FROM v GROUP BY bracket, vendor_key
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY cell_market, cell_bracket ORDER BY value DESC, vendor_key) AS rank FROM by_cell
)
SELECT cell_market, cell_bracket,
       CAST(sum(CASE WHEN rank <= 2 THEN value ELSE 0 END) AS DOUBLE) / CAST(sum(value) AS DOUBLE) AS top2
FROM ranked GROUP BY cell_market, cell_bracket HAVING sum(value) > 0
