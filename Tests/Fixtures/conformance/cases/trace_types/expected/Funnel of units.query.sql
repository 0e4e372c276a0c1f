WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Funnel of units' as "cohort_on"
    FROM base_query
)
SELECT
            sum(units) as "props.x",
            product as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        product ,
    "cohort_on" 
-- source: shop