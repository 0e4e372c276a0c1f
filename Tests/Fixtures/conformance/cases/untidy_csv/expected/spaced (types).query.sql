WITH 
base_query as (
    select * from model
),
columnize_cohort_on as (
    SELECT 
        *,
        'spaced (types)' as "cohort_on"
    FROM base_query
)
SELECT
            typeof(a) || ',' || typeof(b) || ',' || typeof(c) || ',' || typeof(d) || ',' || typeof(e) || ',' || typeof(f) || ',' || typeof(g) as "props.hovertext",
            g as "props.text",
            e as "props.x",
            f as "props.y",
    "cohort_on"
FROM columnize_cohort_on
    GROUP BY
        g  , 
        f  , 
        typeof(a) || ',' || typeof(b) || ',' || typeof(c) || ',' || typeof(d) || ',' || typeof(e) || ',' || typeof(f) || ',' || typeof(g)  , 
        e ,
    "cohort_on" 
-- source: model_spaced_generated_source