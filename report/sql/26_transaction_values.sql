-- One row: focus-country vendors or the others (focus), and a value bracket: their valid sales and the sales' value.
SELECT focus, bracket, count(*) AS sales, sum(eur) AS value_eur
FROM valid_sales GROUP BY focus, bracket ORDER BY focus, bracket
