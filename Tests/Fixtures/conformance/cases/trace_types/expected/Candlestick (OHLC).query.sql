WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Candlestick (OHLC)' as "cohort_on"
    FROM base_query
)
SELECT
            close as "props.close",
            high as "props.high",
            low as "props.low",
            open as "props.open",
            day as "props.x",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        high  , 
        open  , 
        close  , 
        day  , 
        low ,
    "cohort_on"
    ORDER BY
        day 
-- source: shop