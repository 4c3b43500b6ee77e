"""System checks of background exports."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.test import override_settings

from cursor_stream.jobs.checks import check_jobs


def jobs_settings(**keys: object) -> dict[str, object]:
    return {**settings.CURSOR_STREAM, **keys}


def test_the_test_settings_pass() -> None:
    assert check_jobs() == []


def test_results_inside_media_root_are_refused(tmp_path: Path) -> None:
    with override_settings(
        MEDIA_ROOT=str(tmp_path), CURSOR_STREAM=jobs_settings(JOBS_DIR=str(tmp_path / "exports"))
    ):
        assert check_jobs() == [
            checks.Error(
                f"Background exports would be stored in {str(tmp_path / 'exports')!r}, inside "
                "MEDIA_ROOT, which the web server serves to anyone.",
                hint="Set CURSOR_STREAM['JOBS_DIR'] to a private directory.",
                id="cursor_stream.E103",
            )
        ]


def test_no_place_for_results_without_base_dir() -> None:
    with override_settings(CURSOR_STREAM=jobs_settings(JOBS_DIR=None)):
        [error] = check_jobs()
    assert error.id == "cursor_stream.E103"
    assert "set CURSOR_STREAM['JOBS_DIR']" in error.msg


def test_bad_values_and_unknown_task_backend() -> None:
    with override_settings(CURSOR_STREAM=jobs_settings(JOBS_MAX_ATTEMPTS=0)):
        assert check_jobs() == [
            checks.Error(
                "CURSOR_STREAM['JOBS_MAX_ATTEMPTS'] must be an integer >= 1, got 0.",
                id="cursor_stream.E101",
            )
        ]
    with override_settings(CURSOR_STREAM=jobs_settings(JOBS_TASK_BACKEND="nope")):
        [error] = check_jobs()
    assert error.id == "cursor_stream.E102" and "'nope'" in error.msg
