WITH 
base_query as (
    select * from sales
),
columnize_cohort_on as (
    SELECT 
        *,
        'Heatmap: region x product' as "cohort_on"
    FROM base_query
)
SELECT
            region as "props.x",
            product as "props.y",
            sum(amount) as "props.z",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        product  , 
        region ,
    "cohort_on" 
-- source: shop