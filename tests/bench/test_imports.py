"""The import benchmark's own machinery, at a tiny size: its registration and target, and
a generated file that imports without an error and posts every row."""

from pathlib import Path

from jifen.bench import imports, runner


def test_the_figure_selects_its_benchmark_and_has_the_issues_target() -> None:
    benchmarks = runner._benchmarks()
    for name in ("import_10k_rows_s", "import_10k_rows"):
        assert [b.key for b in runner.select(benchmarks, [name])] == ["import_10k_rows"]
    results = {"import_10k_rows_s": runner.Result("import_10k_rows_s", 59.9, "s")}
    runner.apply_targets(results)
    assert results["import_10k_rows_s"].target == "< 60"
    assert results["import_10k_rows_s"].met is True


def test_a_generated_file_imports_cleanly_and_posts_every_row(db: None, tmp_path: Path) -> None:
    path = str(tmp_path / "history.xlsx")
    who = imports.prepare(rows=120, volunteers=15, path=path)
    got = imports.timed_import(path=path, **who)
    assert got["rows"] == 120
    assert got["errors"] == 0
    assert got["posted"] == 120
    assert got["violations"] == []
