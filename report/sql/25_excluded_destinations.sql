-- One row: a country that focus-country vendors exclude from their destinations, with how many do.
SELECT substr(dest, 2) AS country, count(DISTINCT vendor_key) AS vendors
FROM focus_destinations WHERE dest LIKE '!%' GROUP BY substr(dest, 2) ORDER BY vendors DESC, country
