"""Background exports on Django's Tasks framework (an optional app: ``cursor_stream.jobs``).

Add ``"cursor_stream.jobs"`` to ``INSTALLED_APPS`` (with the ``tasks`` extra on Django 5.2) to
get the :class:`~cursor_stream.jobs.models.ExportJob` table, the ``run_export_job`` task, the
``streamjobs`` command, ``streamdata --background`` and the admin's "Run in the background".
Projects without background exports do not install it and get no table.
"""
