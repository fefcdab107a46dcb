from django.apps import AppConfig


class DatagenConfig(AppConfig):
    """Synthetic clinic data at scale (`acuflow generate`) for benchmarks and demos."""

    name = "acuflow.datagen"
    label = "datagen"
    verbose_name = "Synthetic data"
