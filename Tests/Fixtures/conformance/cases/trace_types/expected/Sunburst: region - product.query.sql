WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Sunburst: region - product' as "cohort_on"
    FROM base_query
)
SELECT
            product || ' ' || region as "props.labels",
            region as "props.parents",
            sum(units) as "props.values",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        region  , 
        product || ' ' || region ,
    "cohort_on" 
-- source: shop