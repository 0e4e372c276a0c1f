WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Scatter lines and markers' as "cohort_on"
    FROM base_query
)
SELECT
            day as "props.x",
            amount as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        day  , 
        amount ,
    "cohort_on"
    ORDER BY
        day 
-- source: shop