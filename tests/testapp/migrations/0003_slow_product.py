from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("testapp", "0002_type_zoo"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE VIEW slow_product AS SELECT p.product_id, p.product_name, p.sku, p.price "
            "FROM product p, LATERAL pg_sleep(0.002 + 0 * p.product_id) AS pause",
            "DROP VIEW slow_product",
        ),
        migrations.CreateModel(
            name="SlowProduct",
            fields=[
                ("product_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("product_name", models.CharField(max_length=200)),
                ("sku", models.CharField(max_length=32)),
                ("price", models.DecimalField(decimal_places=2, max_digits=10)),
            ],
            options={"db_table": "slow_product", "managed": False},
        ),
    ]
