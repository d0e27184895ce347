-- One row: none (inputs.sales: none): the columns of a sale, and no rows.
SELECT NULL::VARCHAR AS market, NULL::DATE AS crawled_at, NULL::VARCHAR AS feedback_id,
       NULL::VARCHAR AS listing_id, NULL::VARCHAR AS vendor, NULL::DATE AS left_at, NULL::DOUBLE AS price,
       NULL::VARCHAR AS currency, NULL::VARCHAR AS text, NULL::VARCHAR AS rating FROM listings_in WHERE 1 = 0
