"""The dashboard's roll-up (docs/province.md): one materialised view of the figures that would
otherwise aggregate a province's live tables on each request, refreshed by the Celery beat job
dashboards.tasks.rollups_refresh. PostgreSQL only; the embedded default (SQLite) reads live."""

from django.db import migrations

# One row per (figure, district, street, key): projects by street and status, by tier, category,
# risk colour and local month; contracts and paid payments by street; ratings by status. NULL
# districts (projects of organisations without a region) are 0, streets not broken down are 0.
CREATE_SQL = """
CREATE MATERIALIZED VIEW dashboards_rollup AS
SELECT 'status'::text AS dim, coalesce(district_id, 0) AS district_id, street_id,
       status::text AS key, count(*) AS n, sum(budget_amount) AS amount
  FROM projects_project GROUP BY 2, 3, 4
UNION ALL
SELECT 'tier', coalesce(district_id, 0), 0, tier, count(*), sum(budget_amount)
  FROM projects_project GROUP BY 2, 4
UNION ALL
SELECT 'category', coalesce(district_id, 0), 0, category, count(*), sum(budget_amount)
  FROM projects_project GROUP BY 2, 4
UNION ALL
SELECT 'risk', coalesce(district_id, 0), 0, risk_colour, count(*), sum(budget_amount)
  FROM projects_project GROUP BY 2, 4
UNION ALL
SELECT 'month', coalesce(district_id, 0), 0,
       to_char(date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM'),
       count(*), sum(budget_amount)
  FROM projects_project GROUP BY 2, 4
UNION ALL
SELECT 'contracted', coalesce(p.district_id, 0), p.street_id, '', count(*),
       sum(c.amount + c.approved_changes_total)
  FROM projects_contract c JOIN projects_project p ON p.id = c.project_id GROUP BY 2, 3
UNION ALL
SELECT 'paid', coalesce(p.district_id, 0), p.street_id, '', count(*), sum(pay.amount)
  FROM projects_payment pay JOIN projects_project p ON p.id = pay.project_id
 WHERE pay.status = 'paid' GROUP BY 2, 3
UNION ALL
SELECT 'rating', coalesce(p.district_id, 0), 0, r.status, count(*), 0
  FROM ratings_rating r JOIN projects_project p ON p.id = r.project_id GROUP BY 2, 4;
CREATE UNIQUE INDEX dashboards_rollup_key ON dashboards_rollup (district_id, dim, street_id, key);
"""
DROP_SQL = "DROP MATERIALIZED VIEW IF EXISTS dashboards_rollup"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_leads"),
        ("projects", "0018_regions_data"),
        ("ratings", "0004_report_reference_outcome_reward"),
    ]

    operations = [migrations.RunPython(create, drop)]
