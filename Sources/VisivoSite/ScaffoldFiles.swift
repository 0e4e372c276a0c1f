/// The texts `visivo init` writes.
enum ScaffoldFiles {
    static func project(_ name: String) -> String {
        """
        # A visivo project: sources -> models -> traces -> charts and tables -> dashboards.
        #   visivo serve     build, open the printed address, edit this file and watch the page update
        #   visivo build     bring every trace's data up to date (only what changed runs again)
        #   visivo dist      write the dashboards as one folder to open from disk or publish
        # The format: https://docs.visivo.io (1.x) is read unchanged.
        name: \(name)

        defaults:
          source_name: demo

        sources:
          # A SQLite file made by `visivo init` from data/demo.sql (re-create it with
          # `sqlite3 data/demo.db < data/demo.sql`).
          - name: demo
            type: sqlite
            database: data/demo.db
        \(sourceTemplates)
        models:
          - name: orders
            sql: select * from orders

        traces:
          - name: revenue by month
            model: ref(orders)
            cohort_on: region
            props:
              type: bar
              x: query(substr(ordered_on, 1, 7))
              y: query(round(sum(amount), 2))
            order_by:
              - query(substr(ordered_on, 1, 7) asc)

          - name: orders by product
            model: ref(orders)
            props:
              type: pie
              labels: query(product)
              values: query(count(*))
              hole: 0.4

          - name: daily revenue
            model: ref(orders)
            props:
              type: scatter
              mode: lines
              x: query(ordered_on)
              y: query(round(sum(amount), 2))
            order_by:
              - query(ordered_on asc)

          - name: top regions
            model: ref(orders)
            columns:
              region: region
              orders: count(*)
              revenue: round(sum(amount), 2)
            props:
              type: bar
              x: column(region)
              y: column(revenue)
            order_by:
              - query(sum(amount) desc)

        selectors:
          - name: region
            type: multiple

        charts:
          - name: revenue chart
            traces:
              - ref(revenue by month)
            selector: ref(region)
            layout:
              title:
                text: Revenue by month
              barmode: stack
          - name: product chart
            traces:
              - ref(orders by product)
            layout:
              title:
                text: Orders by product
          - name: daily chart
            traces:
              - ref(daily revenue)
            layout:
              title:
                text: Revenue per day
              xaxis:
                title:
                  text: day

        tables:
          - name: regions table
            traces:
              - ref(top regions)
            rows_per_page: 5
            column_defs:
              - trace_name: top regions
                columns:
                  - header: Region
                    key: columns.region
                  - header: Orders
                    key: columns.orders
                  - header: Revenue
                    key: columns.revenue

        dashboards:
          - name: overview
            rows:
              - height: compact
                items:
                  - width: 3
                    markdown: |
                      # \(name)
                      Sample data from `data/demo.db`. Edit `project.visivo.yml` and this page redraws.
                  - selector: ref(region)
              - items:
                  - width: 2
                    chart: ref(revenue chart)
                  - chart: ref(product chart)
              - height: small
                items:
                  - chart: ref(daily chart)
                  - table: ref(regions table)

        """
    }

    static func bareProject(_ name: String) -> String {
        """
        # A visivo project. Add sources, models, traces, charts and dashboards; then run
        # `visivo serve` and open the printed address.
        name: \(name)

        sources: []
        \(sourceTemplates)
        models: []
        traces: []
        charts: []
        dashboards: []

        """
    }

    /// Commented templates for every other connector; secrets come from the environment.
    static let sourceTemplates = """
          # Other sources: uncomment one, set its variables in .env (see .env.example).
          # - name: warehouse
          #   type: postgresql
          #   host: localhost
          #   port: 5432
          #   database: analytics
          #   username: "{{ env_var('PGUSER') }}"
          #   password: "{{ env_var('PGPASSWORD') }}"
          #   connection_pool_size: 4
          # - name: shop
          #   type: mysql
          #   host: localhost
          #   database: shop
          #   username: "{{ env_var('MYSQL_USER') }}"
          #   password: "{{ env_var('MYSQL_PASSWORD') }}"
          # - name: lake
          #   type: duckdb
          #   database: data/lake.duckdb
          # - name: snow
          #   type: snowflake
          #   account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}"
          #   warehouse: COMPUTE_WH
          #   database: ANALYTICS
          #   username: "{{ env_var('SNOWFLAKE_USER') }}"
          #   password: "{{ env_var('SNOWFLAKE_PASSWORD') }}"
          # - name: bq
          #   type: bigquery
          #   project: my-gcp-project
          #   database: my_dataset
          #   credentials_base64: "{{ env_var('BIGQUERY_CREDENTIALS_BASE64') }}"

        """

    static let gitignore = """
        # visivo's outputs and cache: rebuilt by `visivo build`
        target/
        .visivo/
        dist/
        # secrets
        .env

        """

    static let envExample = """
        # Copy to .env (git ignores it) and fill in; visivo loads .env before reading the
        # project, and variables already in the environment win.
        # PGUSER=
        # PGPASSWORD=
        # MYSQL_USER=
        # MYSQL_PASSWORD=
        # SNOWFLAKE_ACCOUNT=
        # SNOWFLAKE_USER=
        # SNOWFLAKE_PASSWORD=
        # BIGQUERY_CREDENTIALS_BASE64=

        """

    /// 120 days of orders over four regions and three products, the same on every machine.
    static let demoSQL = """
        -- The sample data of `visivo init`: sqlite3 data/demo.db < data/demo.sql
        create table orders (
          id integer primary key,
          ordered_on text not null,
          region text not null,
          product text not null,
          amount real not null
        );
        with recursive day(n) as (select 0 union all select n + 1 from day where n < 119),
        region(name, k) as (values ('north', 1), ('south', 2), ('east', 3), ('west', 4)),
        product(name, p) as (values ('basic', 1), ('plus', 2), ('pro', 3))
        insert into orders (ordered_on, region, product, amount)
        select date('2026-01-01', '+' || day.n || ' days'), region.name, product.name,
               round(10 * product.p + ((day.n * 37 + region.k * 11 + product.p * 7) % 23) * 1.5, 2)
        from day, region, product
        where (day.n + region.k + product.p) % 3 <> 0;

        """
}
