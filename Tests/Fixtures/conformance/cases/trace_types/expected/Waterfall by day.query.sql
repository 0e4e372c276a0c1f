WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Waterfall by day' as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            amount - 9 as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        day  , 
        amount - 9 ,
    "cohort_on"
    ORDER BY
        day 
-- source: shop