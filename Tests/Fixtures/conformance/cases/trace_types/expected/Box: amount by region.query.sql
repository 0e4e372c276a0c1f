WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Box: amount by region' as "cohort_on"
    FROM base_query
)
SELECT
            region as "props.x",
            amount as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        amount  , 
        region ,
    "cohort_on" 
-- source: shop