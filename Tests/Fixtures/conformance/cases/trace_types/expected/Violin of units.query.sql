WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Violin of units' as "cohort_on"
    FROM base_query
)
SELECT
            units as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        units ,
    "cohort_on" 
-- source: shop