"""A failed `vitals ingest`, tried as an operator would: the disk filling
during the write, ids that differ only after a NUL byte. The message is plain
(no SQL) and names the row when a row is the cause; the store is left
byte-for-byte as it was, and a failed first ingest leaves no file at all.
The disk is "filled" with VITALS_TEST_MAX_PAGE_COUNT, which debug builds
read (SQLite's max_page_count on the store's connections)."""
import hashlib
import os
import shutil
import stat
import subprocess

DISK_FULL = "error: the disk is full: the store could not be written, and nothing of this change was kept; free some space and run it again"


def vitals(bin_dir, *args, env=None):
    return subprocess.run([os.path.join(bin_dir, "vitals"), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pages(store):
    """The store's size in pages, from its header (opening it with sqlite3
    would leave a -wal and -shm beside it for as long as Python holds it)."""
    with open(store, "rb") as f:
        header = f.read(100)
    page_size = int.from_bytes(header[16:18], "big")
    return os.path.getsize(store) // (65536 if page_size == 1 else page_size)


def with_nul_shadow(dataset, into):
    """A copy of the dataset whose accounts.csv ends with the first account's
    id followed by a NUL byte and more: the same id to SQLite, which keeps
    text up to the NUL. Returns the line of that row."""
    shutil.copytree(dataset, into)
    with open(os.path.join(into, "accounts.csv"), "rb") as f:
        lines = f.read().splitlines()
    first_id, rest = lines[1].split(b",", 1)
    lines.append(first_id + b"\x00x," + rest)
    with open(os.path.join(into, "accounts.csv"), "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return len(lines)


def test_a_disk_full_during_an_ingest_leaves_the_store_byte_for_byte(bin_dir, dataset, tmp_path):
    store = str(tmp_path / "vitals.db")
    assert vitals(bin_dir, "ingest", dataset, "--store", store).returncode == 0
    before, listing = digest(store), sorted(os.listdir(tmp_path))
    assert listing == ["vitals.db"]  # the WAL was folded in and removed

    out = vitals(bin_dir, "ingest", dataset, "--store", store, env={"VITALS_TEST_MAX_PAGE_COUNT": str(pages(store))})
    assert out.returncode == 1
    assert out.stderr.strip() == DISK_FULL
    assert "SQL" not in out.stderr and "INSERT" not in out.stderr
    assert digest(store) == before
    assert sorted(os.listdir(tmp_path)) == listing
    # With room again, the same ingest goes through.
    assert vitals(bin_dir, "ingest", dataset, "--store", store).returncode == 0


def test_a_disk_full_during_a_first_ingest_leaves_no_file(bin_dir, dataset, tmp_path):
    # Room for the schema and a little more: the store opens, the ingest's transaction does not fit.
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "accounts.csv").write_text("account_id,agency_id\nacc_1,ag_1\n")
    (tiny / "users.csv").write_text("user_id,account_id\nu1,acc_1\n")
    assert vitals(bin_dir, "ingest", str(tiny), "--store", str(tmp_path / "probe.db")).returncode == 0
    limit = pages(str(tmp_path / "probe.db")) + 1

    target = tmp_path / "stores"
    target.mkdir()
    out = vitals(bin_dir, "ingest", dataset, "--store", str(target / "vitals.db"), env={"VITALS_TEST_MAX_PAGE_COUNT": str(limit)})
    assert out.returncode == 1
    assert out.stderr.strip() == DISK_FULL
    assert os.listdir(target) == []  # no .db, -wal, -shm, nor the temporary file


def test_ids_that_differ_only_after_a_nul_are_refused_at_their_row(bin_dir, dataset, tmp_path):
    line = with_nul_shadow(dataset, str(tmp_path / "data"))
    target = tmp_path / "first"
    target.mkdir()
    out = vitals(bin_dir, "ingest", str(tmp_path / "data"), "--store", str(target / "vitals.db"))
    assert out.returncode == 1
    # The CSV reader may refuse the NUL byte itself; either way the row is named and no SQL is shown.
    assert f"accounts.csv:{line}: " in out.stderr and "nul" in out.stderr.lower(), out.stderr
    assert "SQL" not in out.stderr and "INSERT" not in out.stderr
    assert os.listdir(target) == []

    store = str(tmp_path / "vitals.db")
    assert vitals(bin_dir, "ingest", dataset, "--store", store).returncode == 0
    before = digest(store)
    out = vitals(bin_dir, "ingest", str(tmp_path / "data"), "--store", store)
    assert out.returncode == 1 and f"accounts.csv:{line}: " in out.stderr and "SQL" not in out.stderr
    assert digest(store) == before


def test_a_new_store_is_readable_by_its_owner_only(bin_dir, dataset, tmp_path):
    store = str(tmp_path / "vitals.db")
    old = os.umask(0o022)
    try:
        assert vitals(bin_dir, "ingest", dataset, "--store", store).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600


def test_bad_options_are_refused_before_the_store_is_touched(bin_dir, tmp_path):
    store = str(tmp_path / "missing.db")
    for args, message in [
        (["score", "--from", "2026-11-20", "--to", "2026-11-01"], "--from must not be after --to"),
        (["score", "--as-of", "2026-11-20", "--from", "2026-11-01", "--to", "2026-11-02"], "give either --as-of or --from/--to, not both"),
        (["score", "--from", "2026-11-01"], "--from and --to go together"),
        (["report", "--agency", "ag_001", "--out", str(tmp_path / "r.html"), "--as-of", "soon"], '--as-of must be a date YYYY-MM-DD, got "soon"'),
        (["serve", "--stdio", "--http", "127.0.0.1:0"], "choose one transport: --stdio or --http HOST:PORT"),
        (["serve", "--http", "localhost"], "--http must be HOST:PORT"),
        (["token", "create", "--agency", "ag_001", "--expires", "forever"], "--expires must look like 90d, 12h or 30m"),
    ]:
        out = vitals(bin_dir, *args, "--store", store)
        assert out.returncode == 64, (args, out.stderr)
        assert message in out.stderr, (args, out.stderr)
        assert not os.path.exists(store)
