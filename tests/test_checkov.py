"""checkov over every synthesized configuration: zero failed checks, and checks really ran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.checkov_runner import run_checkov


@pytest.fixture(scope="module")
def reports(
    synthesized: dict[str, dict[str, Any]],
    apps: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> list[dict[str, Any]]:
    """One checkov run over every construct configuration and every stack of the ready app
    (default config and examples)."""
    documents = dict(synthesized)
    for name, app in apps.items():
        for stack, doc in app.stacks.items():
            documents[f"app-{name}-{stack}"] = doc
    return run_checkov(documents, Path(tmp_path_factory.mktemp("checkov")))


def test_checkov_parses_every_document(reports: list[dict[str, Any]]) -> None:
    assert [r["check_type"] for r in reports] == ["terraform_json"]
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports)


def test_checkov_actually_ran_checks(reports: list[dict[str, Any]]) -> None:
    summary = reports[0]["summary"]
    assert summary["passed"] + summary["failed"] > 0
    assert summary["passed"] >= 100


def test_checkov_reports_no_failed_check(reports: list[dict[str, Any]]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for r in reports
        for c in r["results"]["failed_checks"]
    ]
    assert failed == []


IAM_DATA_CHECKS = {"CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"}


def test_checkov_evaluates_every_identity_policy(reports: list[dict[str, Any]]) -> None:
    """checkov's deeper IAM checks only run on data.aws_iam_policy_document (a JSON string is
    silently skipped): each storage policy of each identity must show them as PASSED."""
    passed: dict[str, set[str]] = {}
    for report in reports:
        for check in report["results"]["passed_checks"]:
            passed.setdefault(check["resource"], set()).add(check["check_id"])
    storage_documents = [r for r in passed if r.startswith("data.") and "_storage-document_" in r]
    assert len(storage_documents) >= 8
    for resource in storage_documents:
        assert IAM_DATA_CHECKS | {"CKV_AWS_356"} <= passed[resource], resource
